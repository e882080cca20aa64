package testscripts

import (
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

// A session bus path that changes between amika's check and its use:
//
//	busflip SOCKET LINK TARGET   listen on SOCKET (a socket of root's) and forward each
//	                             connection to the script's own session bus (keyring
//	                             start); once the first connection is accepted, repoint
//	                             the symlink LINK at TARGET (atomically, by rename). The
//	                             swap a user racing amika would need to win, made
//	                             certain: a client that dials the path a second time gets
//	                             whatever TARGET holds.
//	[!] busflip connections N    SOCKET was connected to N times (so far)

type busFlip struct {
	mu    sync.Mutex
	count int
}

var busFlips sync.Map // *testscript.TestScript → *busFlip

func cmdBusFlip(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 2 && args[0] == "connections" {
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		v, ok := busFlips.Load(ts)
		if !ok {
			ts.Fatalf("busflip connections: no busflip in this script")
		}
		f := v.(*busFlip)
		f.mu.Lock()
		got := f.count
		f.mu.Unlock()
		if (got == want) == neg {
			ts.Fatalf("busflip socket: %d connection(s), want %s%d", got, map[bool]string{true: "not ", false: ""}[neg], want)
		}
		return
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: busflip SOCKET LINK TARGET | [!] busflip connections N")
	}
	addr := ts.Getenv("DBUS_SESSION_BUS_ADDRESS")
	keys, ok := strings.CutPrefix(addr, "unix:path=")
	if !ok {
		ts.Fatalf("busflip: the script's bus %q is not unix:path= (keyring start first)", addr)
	}
	upstream, _, _ := strings.Cut(keys, ",")
	upstream, err := dbus.UnescapeBusAddressValue(upstream)
	ts.Check(err)
	sock, link, target := ts.MkAbs(args[0]), ts.MkAbs(args[1]), args[2]
	l, err := net.Listen("unix", sock)
	ts.Check(err)
	f := &busFlip{}
	busFlips.Store(ts, f)
	var conns []net.Conn
	var mu sync.Mutex
	keep := func(c ...net.Conn) {
		mu.Lock()
		conns = append(conns, c...)
		mu.Unlock()
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.count++
			first := f.count == 1
			f.mu.Unlock()
			if first {
				tmp := link + ".flip"
				os.Remove(tmp)
				if os.Symlink(target, tmp) == nil {
					os.Rename(tmp, link)
				}
			}
			up, err := net.Dial("unix", upstream)
			if err != nil {
				c.Close()
				continue
			}
			keep(c, up)
			go func() { io.Copy(up, c); up.(*net.UnixConn).CloseWrite() }()
			go func() { io.Copy(c, up); c.(*net.UnixConn).CloseWrite() }()
		}
	}()
	ts.Defer(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		busFlips.Delete(ts)
	})
}
