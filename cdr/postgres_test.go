//go:build postgres

// The PostgreSQL tests need the server binaries (Debian: apt-get install
// -y postgresql) and run with
//
//	go test -tags postgres -run Postgres ./cdr/
//
// Each starts a throwaway cluster in a temporary directory on a loopback
// port. Run as root, the server runs as the postgres user (initdb refuses
// root).

package cdr

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

const installPostgres = "apt-get install -y postgresql"

// pgCluster is a throwaway PostgreSQL server.
type pgCluster struct {
	t       *testing.T
	bin     string // directory of initdb and pg_ctl
	data    string
	port    string
	asUser  []string // command prefix that runs as the postgres user
	running bool
}

// pgBinDir finds initdb and pg_ctl on PATH or in Debian's versioned
// directories.
func pgBinDir() (string, bool) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), true
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], true
		}
	}
	return "", false
}

func startPostgres(t *testing.T) *pgCluster {
	t.Helper()
	bin, ok := pgBinDir()
	if !ok {
		t.Fatalf("initdb and pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin: install PostgreSQL with `%s`", installPostgres)
	}
	root := t.TempDir()
	c := &pgCluster{t: t, bin: bin, data: filepath.Join(root, "data"), port: freeLoopbackPort(t)}
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user (created by `%s`): %v", installPostgres, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The server must reach its data directory through t.TempDir's
		// private parents.
		for _, d := range []string{filepath.Dir(root), root} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(c.data, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	c.start()
	t.Cleanup(func() {
		if c.running {
			c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
		}
	})
	return c
}

func (c *pgCluster) run(tool string, args ...string) {
	c.t.Helper()
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, tool)), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %s -c listen_addresses=127.0.0.1 -k %s -F", c.port, c.data)
	c.run("pg_ctl", "-D", c.data, "-l", filepath.Join(c.data, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	c.running = true
}

func (c *pgCluster) stop() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data, "-m", "fast", "-w", "stop")
	c.running = false
}

func (c *pgCluster) dsn() string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/postgres?sslmode=disable&connect_timeout=5"
}

func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func TestPostgresStore(t *testing.T) {
	pg := startPostgres(t)
	s, err := Open(ctxT(t, 30*time.Second), Options{Postgres: pg.dsn(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Backend() != "postgres" {
		t.Errorf("backend %q", s.Backend())
	}
	storeSuite(t, s)
}

// TestPostgresBrieflyDown stops the server, queues a record while it is
// down, and starts it again: the record lands.
func TestPostgresBrieflyDown(t *testing.T) {
	pg := startPostgres(t)
	s, err := Open(ctxT(t, 30*time.Second), Options{Postgres: pg.dsn(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	failed := make(chan error, 1)
	sink := SinkFunc(func(ctx context.Context, r Record) error {
		err := s.Insert(ctx, r)
		if err != nil {
			select {
			case failed <- err:
			default:
			}
		}
		return err
	})
	w, got := newWriter(t, Config{Sink: sink, MinBackoff: 10 * time.Millisecond})
	w.Add(rec(1))
	recv(t, got)

	pg.stop()
	w.Add(rec(2))
	select {
	case err := <-failed:
		t.Logf("insert failed while the server is down: %v", err)
	case r := <-got:
		t.Fatalf("record %s written while the server is down", r.ID)
	case <-time.After(30 * time.Second):
		t.Fatal("no insert attempt within 30 s")
	}
	pg.start()
	if r := recv(t, got); r.ID != "r002" {
		t.Fatalf("wrote %s, want r002", r.ID)
	}
	list, err := s.Recent(ctxT(t, 10*time.Second), 10)
	if err != nil || len(list) != 2 || list[0].ID != "r002" {
		t.Fatalf("stored %v, %v", ids(list), err)
	}
}
