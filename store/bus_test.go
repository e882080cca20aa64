//go:build unix

package store

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
		_, err := sessionBusAddress(busEnv(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", addr, err, want)
		}
		var fe *foreignBusError
		if errors.As(err, &fe) {
			t.Errorf("%s: %v counts as another user's bus", addr, err)
		}
	}
	if _, err := sessionBusAddress(busEnv(nil)); err != errNoBus {
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
	addr, err := sessionBusAddress(env)
	if err != nil || addr != "unix:path="+sock {
		t.Fatalf("own bus: %q, %v", addr, err)
	}
	if err := checkPeer(addr, time.Now().Add(5*time.Second)); err != nil {
		t.Fatalf("own peer: %v", err)
	}
	var fe *foreignBusError
	os.Lchown(sock, 65534, 65534)
	if _, err := sessionBusAddress(env); !errors.As(err, &fe) || !strings.Contains(err.Error(), "belongs to uid 65534, not to uid 0") {
		t.Errorf("socket of uid 65534: %v", err)
	}
	os.Lchown(sock, 0, 0)
	os.Chown(dir, 65534, 65534)
	if _, err := sessionBusAddress(env); !errors.As(err, &fe) || !strings.Contains(err.Error(), "the directory of the D-Bus session bus socket") {
		t.Errorf("directory of uid 65534: %v", err)
	}
}
