package testscripts

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/sandbox"
)

// Sandboxes run in real bubblewrap.
//
//	bwrap-ready          bubblewrap can start a sandbox here; otherwise the script is skipped,
//	                     and in CI (CI=true) it fails
//	chown-nobody PATH…   as root, gives PATH and everything in it to uid/gid 65534 (for
//	                     `unprivileged amika`); otherwise does nothing
//	abstract-socket start
//	                     listen on an abstract Unix socket (an X server's, a D-Bus bus's kind);
//	                     its address, unix:abstract=NAME, in $ABSTRACT_SOCKET
//	abstract-socket connections N
//	                     assert that N connections reached it
func init() {
	commands["abstract-socket"] = cmdAbstractSocket
	commands["bwrap-ready"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 0 {
			ts.Fatalf("usage: bwrap-ready")
		}
		err := (&sandbox.Bubblewrap{}).Check()
		if err == nil {
			return
		}
		if os.Getenv("CI") == "true" {
			ts.Fatalf("bubblewrap: %v (CI runs the real bubblewrap)", err)
		}
		t, ok := scriptTs.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("bubblewrap: %v", err)
		}
		t.(testscript.T).Skip("bubblewrap: " + err.Error())
	}
	commands["chown-nobody"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: chown-nobody PATH…")
		}
		if os.Geteuid() != 0 {
			return
		}
		for _, p := range args {
			ts.Check(filepath.WalkDir(ts.MkAbs(p), func(path string, _ fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Lchown(path, 65534, 65534)
			}))
		}
	}
}

var abstractSockets sync.Map // *testscript.TestScript → *atomic.Int64

func cmdAbstractSocket(ts *testscript.TestScript, neg bool, args []string) {
	switch {
	case !neg && len(args) == 1 && args[0] == "start":
		name := fmt.Sprintf("amika-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		l, err := net.Listen("unix", "@"+name)
		ts.Check(err)
		count := new(atomic.Int64)
		abstractSockets.Store(ts, count)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				count.Add(1)
				c.Close()
			}
		}()
		ts.Defer(func() { l.Close(); abstractSockets.Delete(ts) })
		ts.Setenv("ABSTRACT_SOCKET", "unix:abstract="+name)
	case !neg && len(args) == 2 && args[0] == "connections":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		v, ok := abstractSockets.Load(ts)
		if !ok {
			ts.Fatalf("abstract-socket: not started")
		}
		// A connection is counted once accepted: give the listener a moment.
		deadline := time.Now().Add(2 * time.Second)
		for v.(*atomic.Int64).Load() < int64(want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := v.(*atomic.Int64).Load(); got != int64(want) {
			ts.Fatalf("abstract-socket: %d connection(s), want %d", got, want)
		}
	default:
		ts.Fatalf("usage: abstract-socket start | abstract-socket connections N")
	}
}
