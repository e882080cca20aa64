// Package sandbox runs a command (a coding agent) in an isolated view of this machine that
// holds exactly the secrets it was given: its workspace, a home of its own and the system's
// programs, and none of the user's files, sockets or other credentials. layout.go is the one
// list of what a sandbox sees; an Engine (bubblewrap) enforces it.
//
// A sandbox is a record under amika's data directory (<data>/amika/sandboxes/NAME, mode
// 0700): sandbox.json (what it was created with; secrets by name, never by value), home/
// (its persistent home, 0700), and for --git the worktree on branch amika/NAME. Secrets are
// read from the store at every start, so a rotated secret reaches the next start.
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/run"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// Record is what a sandbox was created with: sandbox.json.
type Record struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Workspace is bound read-write at its own path: --dir, or the --git worktree.
	Workspace string     `json:"workspace,omitempty"`
	Git       *GitRecord `json:"git,omitempty"`
	// Secrets, Providers and Claude are resolved from the store (and discovery) at each start.
	Secrets   []SecretRef `json:"secrets,omitempty"`
	Providers []string    `json:"providers,omitempty"`
	Claude    string      `json:"claude,omitempty"` // a stored Claude credential's name
	Network   string      `json:"network"`          // "host" or "none"
	ReadOnly  []string    `json:"ro,omitempty"`
	// Env are plain variables: NAME=VALUE, or NAME to pass amika's own at each start.
	Env []string `json:"env,omitempty"`
}

// SecretRef is one --secret env:VAR=SECRET: the stored secret SECRET as $VAR.
type SecretRef struct {
	Var    string `json:"var"`
	Secret string `json:"secret"`
}

// Manager creates, starts, lists and deletes the sandboxes kept under Root.
type Manager struct {
	Root string // <data dir>/amika/sandboxes
	// Home is the user's home: no workspace or --ro path may hold it whole.
	Home   string
	Engine Engine
	// Environ is amika's environment: PATH to find commands, the variables the sandbox
	// keeps, --env NAME values.
	Environ []string
	Cwd     string
	// Store opens the store; called only when a sandbox names a secret.
	Store func() (store.Store, error)
	// Discover runs discovery; called only for --provider.
	Discover func() (discovery.Result, error)
	// Warn reports a warning, Note a notice (lines without amika's prefix).
	Warn, Note func(string)
}

// Root is where sandboxes are kept for a data directory.
func Root(dataDir string) string { return filepath.Join(dataDir, "amika", "sandboxes") }

func (m *Manager) getenv(name string) string {
	for i := len(m.Environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(m.Environ[i], name+"="); ok {
			return v
		}
	}
	return ""
}

func (m *Manager) warn(format string, args ...any) {
	if m.Warn != nil {
		m.Warn(fmt.Sprintf(format, args...))
	}
}

func (m *Manager) dir(name string) string      { return filepath.Join(m.Root, name) }
func (m *Manager) home(name string) string     { return filepath.Join(m.Root, name, "home") }
func (m *Manager) recordPath(n string) string  { return filepath.Join(m.Root, n, "sandbox.json") }
func (m *Manager) runningLock(n string) string { return filepath.Join(m.Root, n, "running.lock") }

// lock serialises creating and deleting sandboxes.
func (m *Manager) lock() (func(), error) {
	return safefile.LockPrivate(filepath.Join(m.Root, ".lock"))
}

const nameRule = "a sandbox name is 1 to 63 characters of A-Z a-z 0-9 _ -, starting with a letter or digit"

// ValidateName checks a sandbox name: it names a directory and the branch amika/NAME. The
// error does not quote an invalid name.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("invalid sandbox name: empty (" + nameRule + ")")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("invalid sandbox name (%d characters): character %d is not allowed (%s)", utf8.RuneCountInString(name), utf8.RuneCountInString(name[:i])+1, nameRule)
		}
	}
	if len(name) > 63 {
		return fmt.Errorf("invalid sandbox name (%d characters): longer than 63 (%s)", len(name), nameRule)
	}
	return nil
}

// CreateOptions are `amika sandbox create`'s.
type CreateOptions struct {
	Name      string
	Git       bool
	Dir       string
	Secrets   []run.SecretRef
	Providers []string
	Claude    string
	Network   string // "host" (default) or "none"
	ReadOnly  []string
	Env       []string
}

// Created is what Create made, for its messages.
type Created struct {
	Record *Record
	// ReusedBranch is set when the worktree continues an existing amika/NAME.
	ReusedBranch bool
}

// Create records a sandbox. Everything is checked first (the engine, the secrets, the
// paths); a failure after that removes what was made, so nothing is left half-created.
func (m *Manager) Create(opt CreateOptions) (*Created, error) {
	if err := ValidateName(opt.Name); err != nil {
		return nil, err
	}
	r := &Record{Name: opt.Name, Providers: opt.Providers, Network: opt.Network}
	for _, ref := range opt.Secrets {
		r.Secrets = append(r.Secrets, SecretRef{ref.Var, ref.Secret})
	}
	switch opt.Network {
	case "":
		r.Network = "host"
	case "host", "none":
	default:
		return nil, fmt.Errorf("--network %q: want host or none", opt.Network)
	}
	if opt.Git && opt.Dir != "" {
		return nil, errors.New("--git and --dir: a sandbox has one workspace")
	}
	if err := m.Engine.Check(); err != nil {
		return nil, err
	}
	if s, ok := m.Engine.(interface{ ScopesSockets() bool }); ok && r.Network == "host" && !s.ScopesSockets() {
		m.warn("this kernel cannot keep a sandbox that shares the network from the abstract sockets outside it (Landlock scoping needs Linux 6.12): an X server or a D-Bus bus listening on one is reachable inside; --network none has no such socket")
	}
	if opt.Dir != "" {
		d, err := m.existingPath("--dir", opt.Dir, true)
		if err != nil {
			return nil, err
		}
		r.Workspace = d
	}
	for _, p := range opt.ReadOnly {
		d, err := m.existingPath("--ro", p, false)
		if err != nil {
			return nil, err
		}
		r.ReadOnly = append(r.ReadOnly, d)
	}
	for _, e := range opt.Env {
		name, value, hasValue := strings.Cut(e, "=")
		if !discovery.ValidName(name) {
			return nil, fmt.Errorf("--env: %q is not a valid variable name (want NAME=VALUE or NAME)", name)
		}
		if !hasValue && m.getenv(name) == "" {
			m.warn("--env %s: not set here now; it is passed at each start when set", name)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, fmt.Errorf("--env %s: the value holds a NUL byte", name)
		}
		r.Env = append(r.Env, e)
	}
	var g GitRecord
	if opt.Git {
		var err error
		if g, err = repoOf(m.Cwd); err != nil {
			return nil, err
		}
		g.Branch = BranchPrefix + "/" + opt.Name
	}
	// The secrets must exist now; their values are read again at each start.
	if opt.Claude != "" {
		st, err := m.Store()
		if err != nil {
			return nil, err
		}
		s, err := agent.Lookup(st, "claude", opt.Claude)
		if err != nil {
			return nil, err
		}
		r.Claude = s.Name
	}
	if _, _, err := m.resolve(r); err != nil {
		return nil, err
	}

	if err := safefile.PrivateDir(m.Root); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Root, err)
	}
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	dir := m.dir(r.Name)
	if err := os.Mkdir(dir, 0o700); errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sandbox %s exists already (amika sandbox delete %s removes it)", r.Name, r.Name)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %v", dir, err)
	}
	created := &Created{Record: r}
	ok := false
	defer func() {
		if !ok {
			if r.Git != nil && r.Workspace != "" {
				removeWorktree(*r.Git, r.Workspace, true)
				if !created.ReusedBranch {
					git(r.Git.Repo, "branch", "-D", r.Git.Branch)
				}
			}
			removeAll(dir)
		}
	}()
	home := m.home(r.Name)
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %v", home, err)
	}
	if opt.Git {
		r.Git = &g
		r.Workspace = filepath.Join(dir, filepath.Base(g.Repo))
		reused, err := addWorktree(g, r.Workspace)
		created.ReusedBranch = reused
		if err != nil {
			r.Workspace = "" // git made nothing there
			return nil, err
		}
		if id := identity(g.Repo); id != nil {
			if err := safefile.WriteFileAtomic(filepath.Join(home, ".gitconfig"), id, 0o600); err != nil {
				return nil, fmt.Errorf("%s: %v", filepath.Join(home, ".gitconfig"), err)
			}
		}
	}
	r.Created = time.Now().UTC().Truncate(time.Second)
	if err := m.writeRecord(r); err != nil {
		return nil, err
	}
	ok = true
	return created, nil
}

// existingPath makes p absolute and real (symlinks resolved: it is bound where it really
// is) and checks it exists (as a directory when dir).
func (m *Manager) existingPath(flag, p string, dir bool) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(m.Cwd, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flag, p, unwrapExec(err))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flag, p, unwrapExec(err))
	}
	if dir && !fi.IsDir() {
		return "", fmt.Errorf("%s %s: not a directory", flag, p)
	}
	if real == "/" {
		return "", fmt.Errorf("%s %s: the whole file system is not a workspace", flag, p)
	}
	// A sandbox that sees amika's own directory reads the store and can edit sandbox
	// records (its own: more secrets at its next start); one that sees the whole home sees
	// every credential in it.
	real2 := func(d string) string {
		if rd, err := filepath.EvalSymlinks(d); err == nil {
			return rd
		}
		return d
	}
	if m.Home != "" {
		if d := real2(m.Home); under(d, real) {
			return "", fmt.Errorf("%s %s: would show the sandbox your whole home %s; give it a project directory", flag, p, d)
		}
	}
	if d := real2(filepath.Dir(m.Root)); under(d, real) || under(real, d) {
		return "", fmt.Errorf("%s %s: would show the sandbox amika's own directory %s (the store, every sandbox's record and home)", flag, p, d)
	}
	return real, nil
}

func (m *Manager) writeRecord(r *Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	path := m.recordPath(r.Name)
	if err := safefile.WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// Load reads sandbox name's record.
func (m *Manager) Load(name string) (*Record, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	path := m.recordPath(name)
	data, err := safefile.ReadFileNoFollow(path, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no sandbox %s (amika sandbox list shows them)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a sandbox record: %v", path, jsonReason(err))
	}
	if r.Name != name {
		return nil, fmt.Errorf("%s: records sandbox %q, not %s", path, r.Name, name)
	}
	return &r, nil
}

// jsonReason describes a JSON error without quoting the input.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %s has the wrong type", typ.Field)
	}
	return "invalid JSON"
}

// resolve reads the sandbox's secrets from the store (and discovery, for providers): the
// variables to set inside, and the Claude OAuth login to write into the home (which is not
// a variable), if any. Every missing one is an error naming it.
func (m *Manager) resolve(r *Record) ([]run.Var, *store.Secret, error) {
	opt := run.Options{Providers: r.Providers, Store: m.Store}
	for _, ref := range r.Secrets {
		opt.Secrets = append(opt.Secrets, run.SecretRef{Var: ref.Var, Secret: ref.Secret})
	}
	var res *discovery.Result
	opt.Discover = func() (discovery.Result, error) {
		got, err := m.Discover()
		res = &got
		return got, err
	}
	var login *store.Secret
	if r.Claude != "" {
		s, err := m.claudeSecret(r)
		if err != nil {
			return nil, nil, err
		}
		if isOAuthJSON(s) {
			login = &s
		} else {
			opt.Claude = r.Claude // an API key, or a bare token: a variable
		}
	}
	vars, warnings, err := run.Resolve(opt)
	for _, w := range warnings {
		m.warn("%s", w)
	}
	if err != nil {
		return nil, nil, err
	}
	if res != nil {
		m.warnLeftToAgent(r, *res, vars)
	}
	return vars, login, nil
}

// warnLeftToAgent says when a --provider resolved to an agent's own login, which stays
// outside the sandbox with the agent's files.
func (m *Manager) warnLeftToAgent(r *Record, res discovery.Result, vars []run.Var) {
	for _, p := range r.Providers {
		p = discovery.Canonical(p)
		added := false
		for _, v := range vars {
			added = added || v.From == "provider "+p
		}
		if added {
			continue
		}
		for _, c := range res.Credentials {
			if c.Provider == p && c.LeftToAgent {
				hint := ""
				if p == "anthropic" {
					hint = " (push it with amika secret claude push --type oauth, then create the sandbox with --claude)"
				}
				m.warn("--provider %s: the credential found is the agent's own login (%s), which stays outside the sandbox: nothing added%s", p, c.Source, hint)
				break
			}
		}
	}
}

func (m *Manager) claudeSecret(r *Record) (store.Secret, error) {
	st, err := m.Store()
	if err != nil {
		return store.Secret{}, err
	}
	s, err := st.Get(r.Claude)
	if errors.Is(err, store.ErrNotFound) {
		return store.Secret{}, fmt.Errorf("claude credential %s not found in the %s store (amika secret claude list shows them)", r.Claude, st.Name())
	}
	return s, err
}

// isOAuthJSON says whether a stored Claude credential is an OAuth login JSON, which goes
// into the sandbox's home as Claude Code's own login.
func isOAuthJSON(s store.Secret) bool {
	if s.Type != store.TypeOAuth {
		return false
	}
	_, err := agent.AccessToken("claude", s.Value)
	return err == nil && strings.HasPrefix(strings.TrimSpace(s.Value), "{")
}

// Stdio are the command's standard files.
type Stdio struct{ In, Out, Err *os.File }

// Exec starts argv inside sandbox name and waits for it; it returns argv's exit status.
// While it runs, the sandbox cannot be deleted. argv[0] is looked up on amika's PATH.
func (m *Manager) Exec(name string, argv []string, stdio Stdio) (int, error) {
	if len(argv) == 0 {
		return 0, errors.New("no command")
	}
	if _, err := m.Load(name); err != nil {
		return 0, err
	}
	unlock, ok, err := safefile.TryLockShared(m.runningLock(name))
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("sandbox %s is being deleted", name)
	}
	defer unlock()
	r, err := m.Load(name) // as it is now that it cannot go away
	if err != nil {
		return 0, err
	}
	vars, claude, err := m.resolve(r)
	if err != nil {
		return 0, fmt.Errorf("sandbox %s: %w", name, err)
	}
	home := m.home(name)
	if err := safefile.PrivateDir(home); err != nil {
		return 0, fmt.Errorf("%s: %w", home, err)
	}
	var login *claudeLogin
	if claude != nil {
		if login, err = writeClaudeLogin(home, *claude); err != nil {
			return 0, fmt.Errorf("sandbox %s: %w", name, err)
		}
	}
	v := view{home: home, workspace: r.Workspace, readOnly: r.ReadOnly}
	if r.Workspace != "" && !isDir(r.Workspace) {
		return 0, fmt.Errorf("sandbox %s: its workspace %s is gone", name, r.Workspace)
	}
	if r.Git != nil {
		if v.git, err = gitLayout(*r.Git, r.Workspace); err != nil {
			return 0, fmt.Errorf("sandbox %s: %v", name, err)
		}
	}
	for _, p := range r.ReadOnly {
		if _, err := os.Stat(p); err != nil {
			return 0, fmt.Errorf("sandbox %s: --ro %s: %v", name, p, unwrapExec(err))
		}
	}
	mounts := layout(v)
	path := m.getenv("PATH")
	prog, extra, err := command(argv[0], path, m.Cwd, mounts)
	if err != nil {
		return 0, err
	}
	spec := &Spec{
		Mounts:  append(mounts, extra...),
		Env:     environ(m.Environ, home, m.plainEnv(r, vars)),
		Dir:     home,
		Argv:    append([]string{prog}, argv[1:]...),
		Network: r.Network != "none",
		Stdin:   stdio.In, Stdout: stdio.Out, Stderr: stdio.Err,
	}
	if r.Workspace != "" {
		spec.Dir = r.Workspace
	}
	status, err := m.run(spec)
	if login != nil {
		if st, serr := m.Store(); serr == nil {
			msg, werr := login.writeBack(home, st)
			if werr != nil {
				m.warn("sandbox %s: %v", name, werr)
			} else if msg != "" && m.Note != nil {
				m.Note(msg)
			}
		}
	}
	return status, err
}

// plainEnv is the variables to set inside: --env ones, then the secrets.
func (m *Manager) plainEnv(r *Record, vars []run.Var) []string {
	var out []string
	for _, e := range r.Env {
		if _, _, ok := strings.Cut(e, "="); ok {
			out = append(out, e)
		} else if v := m.getenv(e); v != "" {
			out = append(out, e+"="+v)
		}
	}
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// run starts the sandbox and waits for it, passing on the signals amika gets.
func (m *Manager) run(spec *Spec) (int, error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	p, err := m.Engine.Start(spec)
	if err != nil {
		return 0, err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				p.Signal(s)
			case <-done:
				return
			}
		}
	}()
	status, err := p.Wait()
	if errors.Is(err, errSetup) {
		if cerr := m.Engine.Check(); cerr != nil {
			return status, cerr
		}
		return status, fmt.Errorf("%s could not set up the sandbox (its message is above)", m.Engine.Name())
	}
	return status, err
}

// Info is a sandbox as `amika sandbox list` shows it.
type Info struct {
	Record
	Running bool `json:"running"`
}

// List returns every sandbox, sorted by name. A directory without a readable record is
// skipped with a warning.
func (m *Manager) List() ([]Info, error) {
	entries, err := os.ReadDir(m.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.Root, err)
	}
	var out []Info
	for _, e := range entries {
		if !e.IsDir() || ValidateName(e.Name()) != nil {
			continue
		}
		if _, err := os.Lstat(m.recordPath(e.Name())); errors.Is(err, fs.ErrNotExist) {
			m.warn("%s: no sandbox.json: a sandbox whose creation did not finish (amika sandbox delete %s removes it)", m.dir(e.Name()), e.Name())
			continue
		}
		r, err := m.Load(e.Name())
		if err != nil {
			m.warn("%v", err)
			continue
		}
		out = append(out, Info{Record: *r, Running: m.running(r.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// running says whether a process holds the sandbox's running lock.
func (m *Manager) running(name string) bool {
	unlock, ok, err := safefile.TryLock(m.runningLock(name))
	if err != nil {
		return false
	}
	if ok {
		unlock()
	}
	return !ok
}

// Delete removes a sandbox: its worktree (its branch amika/NAME stays in the repository),
// its home and its record. It refuses while the sandbox runs, and when the worktree holds
// changes not committed unless force.
func (m *Manager) Delete(name string, force bool) (*Record, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if !isDir(m.dir(name)) {
		return nil, fmt.Errorf("no sandbox %s (amika sandbox list shows them)", name)
	}
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	running, ok, err := safefile.TryLock(m.runningLock(name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("sandbox %s is running: it can be deleted once its commands end", name)
	}
	defer running()
	r, err := m.Load(name)
	if err != nil && isFile(m.recordPath(name)) {
		return nil, err // a record that cannot be read: leave everything for the user to see
	}
	if r != nil && r.Git != nil && isDir(r.Workspace) {
		if !force {
			d, err := dirty(r.Workspace)
			if err != nil {
				return nil, fmt.Errorf("sandbox %s: its worktree %s: %v", name, r.Workspace, err)
			}
			if d {
				return nil, fmt.Errorf("sandbox %s: its worktree %s has changes not committed on %s: commit them there, or delete with --force to lose them", name, r.Workspace, r.Git.Branch)
			}
		}
		if err := removeWorktree(*r.Git, r.Workspace, force); err != nil {
			return nil, fmt.Errorf("sandbox %s: %v", name, err)
		}
	}
	if err := removeAll(m.dir(name)); err != nil {
		return nil, fmt.Errorf("sandbox %s: %v", name, err)
	}
	return r, nil
}

// removeAll removes dir and everything in it, including directories a sandbox made
// unwritable; it follows no symlink.
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
