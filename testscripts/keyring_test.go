package testscripts

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rogpeppe/go-internal/testscript"
	ss "github.com/zalando/go-keyring/secret_service"
)

// The secrets store is tested against a real Secret Service: gnome-keyring-daemon on a
// private D-Bus session bus of the script's own, and against a D-Bus address that accepts
// connections and never answers, which counts who connects.
//
//	keyring start          start dbus-daemon and an unlocked gnome-keyring; set
//	                       DBUS_SESSION_BUS_ADDRESS for the rest of the script
//	keyring start bare     the same, but the keyring was never given a login password: it
//	                       has no login collection, and no default one
//	keyring default LABEL  create an unlocked collection labelled LABEL in the running
//	                       gnome-keyring, and make it the default one
//	keyring lock           lock the running gnome-keyring's default collection
//	keyring bus            start a dbus-daemon that has no Secret Service and cannot
//	                       start one; set DBUS_SESSION_BUS_ADDRESS
//	keyring hang NAME      listen on $WORK/NAME, accept and never answer; set
//	                       DBUS_SESSION_BUS_ADDRESS to it
//	[!] keyring connections N   the hang socket was connected to N times (so far)
//	keyring stall          on the script's bus (keyring bus), a Secret Service that answers
//	                       what comes before a write (the store's probe, item searches) and
//	                       never answers the write itself
//	keyring dismiss        on the script's bus (keyring bus), a Secret Service that asks
//	                       before it stores an item (a prompt, as KeePassXC can) and has
//	                       the user dismiss it: nothing is stored
//	keyring start-as UID   another user's session: as uid UID (through setpriv, so as root),
//	                       a dbus-daemon listening in a runtime directory of that user's
//	                       ($FOREIGN_RUNTIME_DIR/bus, address $FOREIGN_BUS) and on an
//	                       abstract socket ($FOREIGN_BUS_ABSTRACT), with an unlocked
//	                       gnome-keyring; the script's own DBUS_SESSION_BUS_ADDRESS is kept
//	[!] keyring as UID CMD ARGS…   run CMD as uid UID in that session (its HOME, runtime
//	                       directory and bus, AMIKA_STORE=keyring); amika is a copy of the
//	                       test binary

var hangSockets sync.Map // *testscript.TestScript → *countedSocket

// countedSocket is a unix socket a script listens on: it counts the connections it accepts
// and keeps them (and any kept beside them) open until the script ends.
type countedSocket struct {
	mu    sync.Mutex
	count int
	conns []net.Conn
}

// listenCounted listens on path until the script ends and hands serve, when set, each
// connection with its number (from 1) and the socket (to keep what it opens beside it);
// without serve a connection is held, never answered.
func listenCounted(ts *testscript.TestScript, path string, serve func(s *countedSocket, n int, c net.Conn)) *countedSocket {
	l, err := net.Listen("unix", path)
	ts.Check(err)
	s := &countedSocket{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.count++
			n := s.count
			s.mu.Unlock()
			s.keep(c)
			if serve != nil {
				serve(s, n, c)
			}
		}
	}()
	ts.Defer(func() {
		l.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	return s
}

func (s *countedSocket) keep(c ...net.Conn) {
	s.mu.Lock()
	s.conns = append(s.conns, c...)
	s.mu.Unlock()
}

// checkConnections is [!] WHAT connections N: the socket registered for the script in
// sockets was connected to N times so far.
func checkConnections(ts *testscript.TestScript, neg bool, sockets *sync.Map, what, n string) {
	want, err := strconv.Atoi(n)
	ts.Check(err)
	v, ok := sockets.Load(ts)
	if !ok {
		ts.Fatalf("%s connections: no %s socket in this script", what, what)
	}
	s := v.(*countedSocket)
	s.mu.Lock()
	got := s.count
	s.mu.Unlock()
	if (got == want) == neg {
		ts.Fatalf("%s socket: %d connection(s), want %s%d", what, got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: keyring start | lock | bus | stall | dismiss | hang NAME | connections N | start-as UID | as UID CMD ARGS…")
	}
	switch args[0] {
	case "start":
		if neg || len(args) > 2 || len(args) == 2 && args[1] != "bare" {
			ts.Fatalf("usage: keyring start [bare]")
		}
		startKeyring(ts, len(args) == 1)
	case "default":
		if neg || len(args) != 2 {
			ts.Fatalf("usage: keyring default LABEL")
		}
		makeDefault(ts, args[1])
	case "lock":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: keyring lock")
		}
		conn, err := dbus.Connect(ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
		ts.Check(err)
		defer conn.Close()
		svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
		var collection dbus.ObjectPath
		ts.Check(svc.Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&collection))
		var locked []dbus.ObjectPath
		var prompt dbus.ObjectPath
		ts.Check(svc.Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{collection}).Store(&locked, &prompt))
		if len(locked) != 1 {
			ts.Fatalf("keyring lock: %s was not locked (prompt %s)", collection, prompt)
		}
	case "bus":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: keyring bus")
		}
		dir := ts.MkAbs("bus-home")
		ts.Check(os.MkdirAll(dir, 0o700))
		conf := filepath.Join(dir, "session.conf")
		ts.Check(os.WriteFile(conf, []byte(bareBusConfig), 0o600))
		addr, _ := startBus(ts, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, nil, "--config-file="+conf)
		ts.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	case "start-as":
		if neg || len(args) != 2 {
			ts.Fatalf("usage: keyring start-as UID")
		}
		uid, err := strconv.Atoi(args[1])
		ts.Check(err)
		startForeignKeyring(ts, uid)
	case "as":
		if len(args) < 3 {
			ts.Fatalf("usage: [!] keyring as UID CMD ARGS…")
		}
		runAsForeign(ts, neg, args[1], args[2:])
	case "stall":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: keyring stall")
		}
		startStall(ts)
	case "dismiss":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: keyring dismiss")
		}
		startDismiss(ts)
	case "hang":
		if neg || len(args) != 2 {
			ts.Fatalf("usage: keyring hang NAME")
		}
		startHang(ts, ts.MkAbs(args[1]))
	case "connections":
		if len(args) != 2 {
			ts.Fatalf("usage: [!] keyring connections N")
		}
		checkConnections(ts, neg, &hangSockets, "keyring hang", args[1])
	default:
		ts.Fatalf("unknown keyring command %q", args[0])
	}
}

func startHang(ts *testscript.TestScript, path string) {
	hangSockets.Store(ts, listenCounted(ts, path, nil))
	ts.Defer(func() { hangSockets.Delete(ts) })
	ts.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+path)
}

// startKeyring follows DESIGN.md's recipe with its own dbus-daemon, so the bus and the
// keyring live exactly as long as the script; without login, it skips the unlocking that
// creates the login collection.
func startKeyring(ts *testscript.TestScript, login bool) {
	dir := ts.MkAbs("keyring-home")
	runDir := filepath.Join(dir, "run")
	dataDir := filepath.Join(dir, ".local", "share")
	for _, d := range []string{runDir, filepath.Join(dataDir, "keyrings")} {
		ts.Check(os.MkdirAll(d, 0o700))
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_DATA_HOME=" + dataDir, "XDG_RUNTIME_DIR=" + runDir, "LANG=C.UTF-8"}

	addr, _ := startBus(ts, env, nil, "--session")
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)

	if login {
		runOutput(ts, env, "pass", "gnome-keyring-daemon", "--unlock", "--components=secrets")
	}
	runOutput(ts, env, "", "gnome-keyring-daemon", "--start", "--components=secrets")

	pid := waitForKeyring(ts, addr)
	ts.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	// Headless, like CI: nothing may pop up a password prompt on a developer's display.
	ts.Setenv("DISPLAY", "")
	ts.Setenv("WAYLAND_DISPLAY", "")
	ts.Logf("keyring: gnome-keyring-daemon pid %d on %s", pid, addr)
}

// makeDefault creates a collection through gnome-keyring's own interface for that (no
// prompt), and points the default alias at it, as a desktop's "Default keyring" is.
func makeDefault(ts *testscript.TestScript, label string) {
	conn, err := dbus.Connect(ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	ts.Check(err)
	defer conn.Close()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var ignored dbus.Variant
	var session dbus.ObjectPath
	ts.Check(svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&ignored, &session))
	master := struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte("pass"), "text/plain"}
	props := map[string]dbus.Variant{"org.freedesktop.Secret.Collection.Label": dbus.MakeVariant(label)}
	var path dbus.ObjectPath
	ts.Check(svc.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.CreateWithMasterPassword", 0, props, master).Store(&path))
	ts.Check(svc.Call("org.freedesktop.Secret.Service.SetAlias", 0, "default", path).Err)
	ts.Logf("keyring: default collection %s", path)
}

// bareBusConfig is a session bus with no service directories: nothing can be activated.
const bareBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// startBus starts a dbus-daemon that the script's end stops, and returns its address.
// prefix, when given, runs it through another program (setpriv, as another user).
func startBus(ts *testscript.TestScript, env, prefix []string, config string) (string, int) {
	// Outputs go to files: the daemons fork and keep their descriptors, and a pipe would
	// keep us waiting for them.
	argv := append(append(prefix[:len(prefix):len(prefix)], "dbus-daemon"), config, "--fork", "--nosyslog", "--print-address=1", "--print-pid=1")
	busOut := runOutput(ts, env, "", argv[0], argv[1:]...)
	lines := strings.Fields(busOut)
	if len(lines) < 2 {
		ts.Fatalf("dbus-daemon printed %q, want an address and a pid", busOut)
	}
	busPid, err := strconv.Atoi(lines[1])
	ts.Check(err)
	ts.Defer(func() { syscall.Kill(busPid, syscall.SIGTERM) })
	return lines[0], busPid
}

func runOutput(ts *testscript.TestScript, env []string, stdin, name string, args ...string) string {
	out, err := os.CreateTemp(ts.MkAbs("."), "keyring-out-*")
	ts.Check(err)
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = out
	errOut, err := os.CreateTemp(ts.MkAbs("."), "keyring-err-*")
	ts.Check(err)
	defer os.Remove(errOut.Name())
	defer errOut.Close()
	cmd.Stderr = errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		ts.Fatalf("%s: %v", name, err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			msg, _ := os.ReadFile(errOut.Name())
			ts.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		ts.Fatalf("%s %s: still running after 20s", name, strings.Join(args, " "))
	}
	data, err := os.ReadFile(out.Name())
	ts.Check(err)
	return string(data)
}

// foreignSession is what keyring start-as set up: the other user's environment.
type foreignSession struct {
	uid int
	env []string
	bin string // a copy of the test binary that the user can run, as amika
}

var foreignSessions sync.Map // *testscript.TestScript → *foreignSession

func startForeignKeyring(ts *testscript.TestScript, uid int) {
	if os.Geteuid() != 0 {
		ts.Fatalf("keyring start-as needs root, to run as uid %d through setpriv", uid)
	}
	setpriv, err := exec.LookPath("setpriv")
	ts.Check(err)
	work := ts.Getenv("WORK")
	// The user must reach its directories and the binary below $WORK.
	for dir := work; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		ts.Check(err)
		ts.Check(os.Chmod(dir, fi.Mode().Perm()|0o011))
	}
	bin := filepath.Join(work, ".foreign", "amika")
	ts.Check(os.MkdirAll(filepath.Dir(bin), 0o755))
	ts.Check(copyExecutable(bin))

	home := filepath.Join(work, fmt.Sprintf("user-%d", uid))
	runDir := filepath.Join(home, "run")
	dataDir := filepath.Join(home, ".local", "share")
	for _, d := range []string{runDir, filepath.Join(dataDir, "keyrings")} {
		ts.Check(os.MkdirAll(d, 0o700))
	}
	abstract := fmt.Sprintf("amika-test-foreign-%d-%d", uid, time.Now().UnixNano())
	conf := filepath.Join(home, "session.conf")
	// A hostile user's bus lets anyone in, root included (a bus's default admits its own
	// user only).
	listen := fmt.Sprintf("<listen>unix:path=%s/bus</listen>\n  <listen>unix:abstract=%s</listen>", runDir, abstract)
	config := strings.Replace(bareBusConfig, "<listen>unix:tmpdir=/tmp</listen>", listen, 1)
	config = strings.Replace(config, "<policy context=\"default\">", "<policy context=\"default\">\n    <allow user=\"*\"/>", 1)
	ts.Check(os.WriteFile(conf, []byte(config), 0o600))
	ts.Check(filepath.Walk(home, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, uid)
	}))

	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_DATA_HOME=" + dataDir, "XDG_RUNTIME_DIR=" + runDir, "LANG=C.UTF-8"}
	as := []string{setpriv, fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", uid), "--clear-groups", "--"}
	addr, _ := startBus(ts, env, as, "--config-file="+conf)
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	runOutput(ts, env, "pass", as[0], append(as[1:], "gnome-keyring-daemon", "--unlock", "--components=secrets")...)
	runOutput(ts, env, "", as[0], append(as[1:], "gnome-keyring-daemon", "--start", "--components=secrets")...)
	waitForKeyring(ts, addr)

	foreignSessions.Store(ts, &foreignSession{uid: uid, env: append(env, "AMIKA_STORE=keyring", "DISPLAY=", "WAYLAND_DISPLAY="), bin: bin})
	ts.Defer(func() { foreignSessions.Delete(ts) })
	ts.Setenv("FOREIGN_RUNTIME_DIR", runDir)
	ts.Setenv("FOREIGN_BUS", "unix:path="+filepath.Join(runDir, "bus"))
	ts.Setenv("FOREIGN_BUS_ABSTRACT", "unix:abstract="+abstract)
	ts.Logf("keyring: uid %d's gnome-keyring on %s", uid, addr)
}

func runAsForeign(ts *testscript.TestScript, neg bool, uidArg string, argv []string) {
	v, ok := foreignSessions.Load(ts)
	if !ok {
		ts.Fatalf("keyring as: no keyring start-as in this script")
	}
	s := v.(*foreignSession)
	if uidArg != strconv.Itoa(s.uid) {
		ts.Fatalf("keyring as %s: the session started is uid %d's", uidArg, s.uid)
	}
	if argv[0] == "amika" {
		argv[0] = s.bin
	}
	setpriv, err := exec.LookPath("setpriv")
	ts.Check(err)
	args := []string{fmt.Sprintf("--reuid=%d", s.uid), fmt.Sprintf("--regid=%d", s.uid), "--clear-groups", "--", "env", "-i"}
	args = append(append(args, s.env...), argv...)
	err = ts.Exec(setpriv, args...)
	if err != nil && !neg {
		ts.Fatalf("keyring as %d %s: %v", s.uid, strings.Join(argv, " "), err)
	}
	if err == nil && neg {
		ts.Fatalf("keyring as %d %s: unexpected success", s.uid, strings.Join(argv, " "))
	}
}

// waitForKeyring waits for gnome-keyring to answer on addr, stops it at the script's end,
// and returns its pid.
func waitForKeyring(ts *testscript.TestScript, addr string) uint32 {
	conn, err := dbus.Connect(addr)
	ts.Check(err)
	defer conn.Close()
	var pid uint32
	deadline := time.Now().Add(20 * time.Second)
	for {
		var v dbus.Variant
		err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
			Call("org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.Secret.Service", "Collections").Store(&v)
		if err == nil {
			err = conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, "org.freedesktop.secrets").Store(&pid)
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("gnome-keyring did not come up on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Defer(func() { syscall.Kill(int(pid), syscall.SIGTERM) })
	return pid
}

// stallService is a Secret Service that stops answering in the middle of a session: it
// answers searches (nothing found), its collections (login) and whether login is locked
// (no), and holds every session it is asked to open until the script ends.
type stallService struct{ stop chan struct{} }

func (s stallService) SearchItems(map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	return []dbus.ObjectPath{}, []dbus.ObjectPath{}, nil
}

func (s stallService) OpenSession(string, dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-s.stop
	return dbus.MakeVariant(""), "/", dbus.MakeFailedError(fmt.Errorf("stopped"))
}

type unlockedCollection struct{}

func (unlockedCollection) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	return dbus.MakeVariant(false), nil
}

// loginOnly is the service's properties: one collection, login.
type loginOnly struct{}

func (loginOnly) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	return dbus.MakeVariant([]dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}), nil
}

func startStall(ts *testscript.TestScript) {
	conn, err := dbus.Connect(ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	ts.Check(err)
	s := stallService{stop: make(chan struct{})}
	ts.Defer(func() { close(s.stop); conn.Close() })
	ts.Check(conn.Export(s, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"))
	ts.Check(conn.Export(loginOnly{}, "/org/freedesktop/secrets", "org.freedesktop.DBus.Properties"))
	ts.Check(conn.Export(unlockedCollection{}, "/org/freedesktop/secrets/collection/login", "org.freedesktop.DBus.Properties"))
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	ts.Check(err)
	if reply != dbus.RequestNameReplyPrimaryOwner {
		ts.Fatalf("keyring stall: org.freedesktop.secrets is taken")
	}
	ts.Setenv("DISPLAY", "")
	ts.Setenv("WAYLAND_DISPLAY", "")
}

// dismissService is a Secret Service whose every change needs a prompt the user dismisses:
// it finds nothing, opens plain sessions, unlocks at once, and answers CreateItem with a
// prompt that completes dismissed.
type dismissService struct{}

func (dismissService) SearchItems(map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	return []dbus.ObjectPath{}, []dbus.ObjectPath{}, nil
}

func (dismissService) OpenSession(string, dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (dismissService) Unlock(paths []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	return paths, "/", nil
}

const dismissPrompt = dbus.ObjectPath("/org/freedesktop/secrets/prompt/1")

type dismissCollection struct{}

func (dismissCollection) SearchItems(map[string]string) ([]dbus.ObjectPath, *dbus.Error) {
	return []dbus.ObjectPath{}, nil
}

func (dismissCollection) CreateItem(map[string]dbus.Variant, ss.Secret, bool) (dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	return "/", dismissPrompt, nil
}

type dismissingPrompt struct{ conn *dbus.Conn }

func (p dismissingPrompt) Prompt(string) *dbus.Error {
	go p.conn.Emit(dismissPrompt, "org.freedesktop.Secret.Prompt.Completed", true, dbus.MakeVariant(""))
	return nil
}

func startDismiss(ts *testscript.TestScript) {
	conn, err := dbus.Connect(ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	ts.Check(err)
	ts.Defer(func() { conn.Close() })
	login := dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	ts.Check(conn.Export(dismissService{}, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"))
	ts.Check(conn.Export(loginOnly{}, "/org/freedesktop/secrets", "org.freedesktop.DBus.Properties"))
	ts.Check(conn.Export(unlockedCollection{}, login, "org.freedesktop.DBus.Properties"))
	ts.Check(conn.Export(dismissCollection{}, login, "org.freedesktop.Secret.Collection"))
	ts.Check(conn.Export(dismissingPrompt{conn}, dismissPrompt, "org.freedesktop.Secret.Prompt"))
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	ts.Check(err)
	if reply != dbus.RequestNameReplyPrimaryOwner {
		ts.Fatalf("keyring dismiss: org.freedesktop.secrets is taken")
	}
}
