package testscripts

import (
	"io"
	"net"
	"os"
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

var busFlips sync.Map // *testscript.TestScript → *countedSocket

func cmdBusFlip(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 2 && args[0] == "connections" {
		checkConnections(ts, neg, &busFlips, "busflip", args[1])
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
	s := listenCounted(ts, sock, func(s *countedSocket, n int, c net.Conn) {
		if n == 1 {
			tmp := link + ".flip"
			os.Remove(tmp)
			if os.Symlink(target, tmp) == nil {
				os.Rename(tmp, link)
			}
		}
		up, err := net.Dial("unix", upstream)
		if err != nil {
			c.Close()
			return
		}
		s.keep(up)
		go func() { io.Copy(up, c); up.(*net.UnixConn).CloseWrite() }()
		go func() { io.Copy(c, up); c.(*net.UnixConn).CloseWrite() }()
	})
	busFlips.Store(ts, s)
	ts.Defer(func() { busFlips.Delete(ts) })
}
