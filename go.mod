module github.com/pbx-dev/pbx

go 1.26
