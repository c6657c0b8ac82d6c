// Command nosymbol is a test plugin that exports no PBXPlugin symbol.
package main

// Register looks like a registration function but is not what pbx looks
// up.
func Register() error { return nil }

func main() {}
