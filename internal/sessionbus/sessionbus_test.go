//go:build unix && !darwin && !solaris

package sessionbus

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func busEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// What cannot be checked is not used: transports without a peer the kernel can vouch for,
// and addresses that name no socket.
func TestSessionBusAddressRefusesWhatCannotBeChecked(t *testing.T) {
	for addr, want := range map[string]string{
		"tcp:host=127.0.0.1,port=4000":   "uses tcp:",
		"nonce-tcp:host=127.0.0.1":       "uses nonce-tcp:",
		"unix:tmpdir=/tmp":               "names no socket",
		"unix:path=/nonexistent/amika/x": "no D-Bus session bus at /nonexistent/amika/x",
	} {
		_, err := Address(busEnv(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", addr, err, want)
		}
		var fe *ForeignError
		if errors.As(err, &fe) {
			t.Errorf("%s: %v counts as another user's bus", addr, err)
		}
	}
	if _, err := Address(busEnv(nil)); err != ErrNoBus {
		t.Errorf("nothing set: %v", err)
	}
}

// A socket of the user's own, in a directory of the user's, is used; the same socket under
// another user's name, or in another user's directory, is that user's bus.
func TestSessionBusOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make files of another uid")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := busEnv(map[string]string{"XDG_RUNTIME_DIR": dir})
	addr, err := Address(env)
	if err != nil || addr != "unix:path="+sock {
		t.Fatalf("own bus: %q, %v", addr, err)
	}
	// the peer is the user: dial goes on to authenticate, which a socket that never
	// answers fails, within the deadline
	start := time.Now()
	if _, err := dial(addr, start.Add(300*time.Millisecond)); err == nil || errors.As(err, new(*ForeignError)) {
		t.Fatalf("own peer that never answers: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("dial took %v past its deadline", time.Since(start))
	}
	var fe *ForeignError
	os.Lchown(sock, 65534, 65534)
	if _, err := Address(env); !errors.As(err, &fe) || !strings.Contains(err.Error(), "belongs to uid 65534, not to uid 0") {
		t.Errorf("socket of uid 65534: %v", err)
	}
	os.Lchown(sock, 0, 0)
	os.Chown(dir, 65534, 65534)
	if _, err := Address(env); !errors.As(err, &fe) || !strings.Contains(err.Error(), "the directory of the D-Bus session bus socket") {
		t.Errorf("directory of uid 65534: %v", err)
	}
	// the socket's own directory is root's, one further up is another user's: that user
	// can rename it and put another bus in its place
	os.Chown(dir, 0, 0)
	os.Chown(filepath.Dir(dir), 65534, 65534)
	if _, err := Address(env); !errors.As(err, &fe) || !strings.Contains(err.Error(), "the path of the D-Bus session bus socket "+sock+" is not the user's: "+filepath.Dir(dir)+" belongs to uid 65534, not to uid 0") {
		t.Errorf("a directory of uid 65534 on the way: %v", err)
	}
	os.Chown(filepath.Dir(dir), 0, 0)

	// the socket itself reached through a symlink: a link of another user's is theirs to
	// repoint
	linkDir := t.TempDir()
	link := filepath.Join(linkDir, "bus")
	os.Symlink(sock, link)
	linkEnv := busEnv(map[string]string{"XDG_RUNTIME_DIR": linkDir})
	if addr, err := Address(linkEnv); err != nil || addr != "unix:path="+link {
		t.Fatalf("a link of the user's to the user's socket: %q, %v", addr, err)
	}
	os.Lchown(link, 65534, 65534)
	if _, err := Address(linkEnv); !errors.As(err, &fe) || !strings.Contains(err.Error(), "is a symlink of uid 65534's") {
		t.Errorf("a link of uid 65534's: %v", err)
	}
}
