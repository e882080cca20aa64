package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/inject"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// CreateOptions are `amika sandbox create`'s flags.
type CreateOptions struct {
	Name      string
	Git       bool   // a worktree of the repository Cwd is in, on amika/NAME
	Dir       string // a directory bound read-write instead
	Secrets   []inject.SecretRef
	Providers []string
	Claude    string
	Network   Network
	ReadOnly  []string
	Env       []string
	Cwd       string
}

var errDeleted = errors.New("the sandbox was deleted meanwhile")

// Create records a new sandbox. Everything it names is checked first (the engine works here,
// every secret and provider resolves, the paths exist); only then are its directory, home and
// worktree made, and any failure removes them again.
func Create(h Host, o CreateOptions) (Record, error) {
	if err := ValidateName(o.Name); err != nil {
		return Record{}, err
	}
	rec := Record{Name: o.Name, Network: o.Network, Providers: o.Providers, Claude: o.Claude, Env: o.Env}
	if rec.Network == "" {
		rec.Network = NetworkHost
	}
	if o.Git && o.Dir != "" {
		return Record{}, errors.New("--git and --dir: choose one workspace")
	}
	for _, s := range o.Secrets {
		rec.Secrets = append(rec.Secrets, SecretRef{s.Var, s.Secret})
	}
	if err := checkEnv(o.Env); err != nil {
		return Record{}, err
	}
	hidden := hiddenDirs(h)
	if o.Dir != "" {
		dir, err := checkPath(o.Cwd, o.Dir, "--dir", hidden, true)
		if err != nil {
			return Record{}, err
		}
		rec.Workspace = dir
	}
	for _, p := range o.ReadOnly {
		abs, err := checkPath(o.Cwd, p, "--ro", hidden, false)
		if err != nil {
			return Record{}, err
		}
		rec.ReadOnly = append(rec.ReadOnly, abs)
	}
	if err := checkHome(h.Paths.Home); err != nil {
		return Record{}, err
	}
	var repo, common string
	if o.Git {
		var err error
		if repo, common, err = findRepo(o.Cwd); err != nil {
			return Record{}, err
		}
		for _, hd := range hidden {
			if within(hd, repo) || within(hd, common) {
				return Record{}, fmt.Errorf("--git: the repository %s contains %s, which a sandbox keeps out", repo, hd)
			}
		}
	}
	if err := h.Engine.Check(); err != nil {
		return Record{}, err
	}
	if _, _, err := resolve(h, rec); err != nil {
		return Record{}, err
	}

	if err := checkRoot(h); err != nil {
		return Record{}, err
	}
	if err := safefile.PrivateDir(Root(h.Paths)); err != nil {
		return Record{}, fmt.Errorf("%s: %w", Root(h.Paths), err)
	}
	dir := dirOf(h, o.Name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Record{}, fmt.Errorf("it already exists (amika sandbox delete %s removes it)", o.Name)
		}
		return Record{}, err
	}
	ok := false
	defer func() {
		if !ok {
			if rec.Git != nil {
				removeWorktree(rec.Git.CommonDir, rec.Git.Worktree, true)
			}
			removeAll(dir)
		}
	}()
	// Held while the sandbox is being made: a delete racing this create waits for it.
	unlock, err := safefile.Lock(filepath.Join(dir, lockFile))
	if err != nil {
		return Record{}, err
	}
	defer unlock()
	if err := os.Mkdir(filepath.Join(dir, homeDir), 0o700); err != nil {
		return Record{}, err
	}
	rec.Created = time.Now().UTC().Truncate(time.Second)
	if h.Now != nil {
		rec.Created = h.Now().UTC().Truncate(time.Second)
	}
	if o.Git {
		wt := filepath.Join(dir, worktreeName(repo))
		rec.Git = &GitInfo{Repo: repo, CommonDir: common, Branch: BranchPrefix + o.Name, Worktree: wt}
		rec.Workspace = wt
	}
	// The record comes before the worktree: a create interrupted in between leaves what
	// delete needs to remove git's entry for it.
	if err := writeRecord(dir, rec); err != nil {
		return Record{}, err
	}
	if rec.Git != nil {
		if err := addWorktree(repo, rec.Git.Worktree, rec.Git.Branch, "amika sandbox "+o.Name); err != nil {
			return Record{}, err
		}
	}
	ok = true
	return rec, nil
}

// worktreeName names a worktree after its repository, as agents show their working
// directory, unless that name is one of the sandbox's own files.
func worktreeName(repo string) string {
	switch base := filepath.Base(repo); base {
	case homeDir, lockFile, recordFile, claudeSum, "/", ".":
		return "work"
	default:
		return base
	}
}

// checkEnv checks --env entries: NAME or NAME=VALUE, NAME a variable name.
func checkEnv(env []string) error {
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if !discovery.ValidName(name) {
			return errors.New(store.DescribeInvalid("variable name in --env", name, discovery.ValidNameByte, "want NAME or NAME=VALUE, NAME of A-Z a-z 0-9 _ not starting with a digit"))
		}
		if name == "HOME" || name == "AMIKA_SANDBOX" {
			return fmt.Errorf("--env: %s is set by the sandbox", name)
		}
	}
	return nil
}

// hiddenDirs are what no --dir, --ro or installation may expose whole: the user's home and
// amika's own directories (the file store, every sandbox).
func hiddenDirs(h Host) []string {
	out := []string{filepath.Clean(h.Paths.Home), filepath.Join(h.Paths.DataDir, "amika"), filepath.Join(h.Paths.StateDir, "amika"), filepath.Join(h.Paths.CacheDir, "amika")}
	if rt := h.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		out = append(out, filepath.Clean(rt))
	}
	return out
}

// checkPath makes p absolute (from cwd), resolves its symlinks and checks it exists; it may
// not be, or contain, one of the hidden directories.
func checkPath(cwd, p, flag string, hidden []string, wantDir bool) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flag, p, unwrapPath(err))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flag, p, unwrapPath(err))
	}
	if wantDir && !fi.IsDir() {
		return "", fmt.Errorf("%s %s: not a directory", flag, p)
	}
	if real == "/" {
		return "", fmt.Errorf("%s /: the whole file system", flag)
	}
	for _, hd := range hidden {
		if within(hd, real) {
			return "", fmt.Errorf("%s %s: it contains %s, which a sandbox keeps out", flag, p, hd)
		}
		if within(real, filepath.Join(hd, "sandboxes")) || strings.HasSuffix(hd, "/amika") && within(real, hd) {
			return "", fmt.Errorf("%s %s: it lies in amika's own directory %s", flag, p, hd)
		}
	}
	return real, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkHome refuses a home the sandbox's own cannot stand in for.
func checkHome(home string) error {
	if !filepath.IsAbs(home) || filepath.Clean(home) == "/" || underSystemDir(filepath.Clean(home)) {
		return fmt.Errorf("home directory %q: a sandbox binds its own home there, which needs an absolute path outside the system directories", home)
	}
	return nil
}

// resolve resolves a sandbox's secrets from the store (and discovery, for --provider): the
// variables to inject and, for a Claude OAuth login, the credential to write into its home.
// A missing secret, provider or credential is an error naming it.
func resolve(h Host, rec Record) ([]inject.Var, *claudeLogin, error) {
	var st store.Store
	openStore := func() (store.Store, error) {
		if st == nil {
			s, err := h.Store()
			if err != nil {
				return nil, err
			}
			st = s
		}
		return st, nil
	}
	opt := inject.Options{Secrets: secretRefs(rec.Secrets), Providers: rec.Providers, Store: openStore, Discover: h.Discover}
	var login *claudeLogin
	if rec.Claude != "" {
		s, err := openStore()
		if err != nil {
			return nil, nil, err
		}
		cred, err := agent.Lookup(s, "claude", rec.Claude)
		if err != nil {
			return nil, nil, err
		}
		var l string
		if cred.Type == store.TypeOAuth && strings.HasPrefix(strings.TrimSpace(cred.Value), "{") {
			if l, err = loginOf([]byte(cred.Value)); err != nil {
				return nil, nil, fmt.Errorf("Claude credential %s: %v", cred.Name, err)
			}
		}
		if refreshable(l) {
			login = &claudeLogin{st: s, secret: cred, login: l}
		} else {
			// An API key, or a token with nothing to refresh (claude setup-token's, which
			// Claude Code does not take from its credentials file): run hands it over by
			// kind, as CLAUDE_CODE_OAUTH_TOKEN for an OAuth token.
			opt.Claude = rec.Claude
		}
	}
	vars, warnings, err := inject.Resolve(opt)
	warnAll(h.Stderr, warnings)
	if err != nil {
		return nil, nil, err
	}
	return vars, login, nil
}

// Start runs argv in sandbox name and returns its exit status. cwd is the host's working
// directory: CMD starts there when it lies in the workspace, else in the workspace (or the
// home, for a sandbox without one).
func Start(h Host, name string, argv []string, cwd string) (int, error) {
	rec, err := Load(h, name)
	if err != nil {
		return 0, err
	}
	dir := dirOf(h, name)
	unlock, err := lockShared(filepath.Join(dir, lockFile))
	if errors.Is(err, errDeleted) {
		return 0, fmt.Errorf("%w %s (it was deleted)", ErrNotFound, name)
	}
	if err != nil {
		return 0, err
	}
	defer unlock()
	if rec, err = Load(h, name); err != nil {
		return 0, err
	}
	if err := checkHome(h.Paths.Home); err != nil {
		return 0, err
	}
	// The paths were resolved at create; a symlink put in their way since (the workspace is
	// the sandbox's to write) would bind something else.
	for _, p := range rec.ReadOnly {
		if real, err := filepath.EvalSymlinks(p); err != nil || real != p {
			return 0, fmt.Errorf("--ro %s: no longer there, or now a symlink", p)
		}
	}
	if rec.Workspace != "" {
		if real, err := filepath.EvalSymlinks(rec.Workspace); err != nil || real != rec.Workspace || !isDir(real) {
			return 0, fmt.Errorf("workspace %s: gone, or now a symlink (amika sandbox delete %s, then create it again)", rec.Workspace, name)
		}
	}
	vars, login, err := resolve(h, rec)
	if err != nil {
		return 0, err
	}
	homePath := filepath.Join(dir, homeDir)
	if err := safefile.PrivateDir(homePath); err != nil {
		return 0, fmt.Errorf("%s: %w", homePath, err)
	}
	home, err := openHome(homePath)
	if err != nil {
		return 0, err
	}
	defer home.Close()
	if login != nil {
		login.home, login.sumPath = home, filepath.Join(dir, claudeSum)
		w, err := prepareClaude(login)
		if w != "" {
			fmt.Fprintf(h.Stderr, "amika: warning: %s\n", w)
		}
		if err != nil {
			return 0, err
		}
	}
	plan, err := buildPlan(h, rec, home, argv, cwd, vars)
	if err != nil {
		return 0, err
	}
	status, runErr := h.Engine.Run(plan)
	if login != nil {
		w, err := syncBack(login)
		if w != "" {
			fmt.Fprintf(h.Stderr, "amika: warning: %s\n", w)
		}
		if err != nil && runErr == nil {
			fmt.Fprintf(h.Stderr, "amika: warning: %v\n", err)
		}
	}
	return status, runErr
}

// buildPlan lays out one start of the sandbox.
func buildPlan(h Host, rec Record, home *homeFiles, argv []string, cwd string, vars []inject.Var) (*Plan, error) {
	hostHome := filepath.Clean(h.Paths.Home)
	var gitMs []Mount
	switch {
	case rec.Git != nil:
		ms, err := gitMounts(rec.Git)
		if err != nil {
			return nil, err
		}
		gitMs = ms
	case rec.Workspace != "":
		gitMs = dirGitMounts(rec.Workspace)
	}
	var writable []string
	if rec.Workspace != "" {
		writable = append(writable, rec.Workspace)
	}
	path, cmdMs, err := commandMounts(argv[0], h.Getenv("PATH"), cwd, hiddenDirs(h), writable)
	if err != nil {
		return nil, err
	}
	var extra []string
	if rec.Git != nil {
		extra = gitIdentity(rec.Git.Worktree, rec.Env)
	}
	for _, e := range rec.Env {
		if strings.ContainsRune(e, '=') {
			extra = append(extra, e)
		} else if v := h.Getenv(e); v != "" {
			extra = append(extra, e+"="+v) // the host's value at this start
		}
	}
	secrets := make([]string, len(vars))
	for i, v := range vars {
		secrets[i] = v.Name + "=" + v.Value
	}
	work := hostHome
	switch {
	case rec.Workspace != "" && within(cwd, rec.Workspace):
		work = cwd
	case rec.Workspace != "":
		work = rec.Workspace
	}
	mounts, err := mountpoints(layout(layoutInput{
		HostHome:    hostHome,
		SandboxHome: home.path,
		Workspace:   rec.Workspace,
		Git:         gitMs,
		ReadOnly:    rec.ReadOnly,
		Command:     cmdMs,
	}), hostHome, home)
	if err != nil {
		return nil, err
	}
	return &Plan{
		Mounts:  mounts,
		Env:     environ(h.Getenv, hostHome, rec.Name, extra, secrets),
		Dir:     work,
		Network: rec.Network,
		Argv:    append([]string{path}, argv[1:]...),
	}, nil
}

// mountpoints makes, from the host, what the mounts laid over the sandbox's home need in it
// (the directory or file each is laid over, and the symlinks): bubblewrap would otherwise
// make them itself, through whatever the sandbox left in that home. The symlinks then exist,
// and leave the list. A mount inside another laid over the home needs nothing there.
func mountpoints(ms []Mount, hostHome string, home *homeFiles) ([]Mount, error) {
	out := ms[:0]
	var over []string // targets laid over the home so far
	seenHome := false
	for _, m := range ms {
		if !seenHome {
			seenHome = m.Kind == BindRW && m.Target == hostHome
			out = append(out, m)
			continue
		}
		inside := !within(m.Target, hostHome) || m.Target == hostHome
		for _, t := range over {
			inside = inside || within(m.Target, t)
		}
		if m.Kind == BindRO || m.Kind == BindRW {
			over = append(over, m.Target)
		}
		if inside {
			out = append(out, m)
			continue
		}
		rel := m.Target[len(hostHome)+1:]
		var err error
		switch {
		case m.Kind == Symlink:
			if err = home.symlink(rel, m.Source); err == nil {
				continue
			}
		case isDir(m.Source):
			err = home.dir(rel)
		default:
			err = home.file(rel)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Delete removes sandbox name: its worktree (unless it holds uncommitted work and force is
// not set), its home and its record. The branch amika/NAME stays in the user's repository,
// and nothing else of it is touched. A running sandbox is refused. It returns the record
// deleted, zero for a sandbox whose creation was interrupted.
func Delete(h Host, name string, force bool) (Record, error) {
	if err := ValidateName(name); err != nil {
		return Record{}, err
	}
	if err := checkRoot(h); err != nil {
		return Record{}, err
	}
	dir := dirOf(h, name)
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return Record{}, fmt.Errorf("%w %s (amika sandbox list shows them)", ErrNotFound, name)
	}
	unlock, ok, err := safefile.TryLock(filepath.Join(dir, lockFile))
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, errors.New("it is running (a command started in it has not exited): stop it, then delete")
	}
	defer unlock()
	rec, err := load(h, name)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = Record{}
	case err != nil:
		return Record{}, err
	case rec.Git != nil:
		if err := removeWorktree(rec.Git.CommonDir, rec.Git.Worktree, force); err != nil {
			if errors.Is(err, ErrDirty) {
				return Record{}, fmt.Errorf("%w: commit them (amika sandbox exec %s -- git commit …) or delete with --force", err, name)
			}
			return Record{}, err
		}
	}
	// The record goes first: from then on the sandbox does not exist, even if removing
	// the rest fails midway.
	if err := os.Remove(filepath.Join(dir, recordFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Record{}, err
	}
	return rec, removeAll(dir)
}

// removeAll removes dir and everything in it, including read-only directories (a Go module
// cache in the sandbox's home is read-only). It never follows a symlink.
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
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
