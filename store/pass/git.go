package pass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// ErrNotGit is a store that is not a git repository where one is needed.
var ErrNotGit = errors.New("not a git repository")

// ErrConflict is a sync whose rebase met changes to the same file here and on the remote.
var ErrConflict = errors.New("conflict")

// gitTimeout bounds one git run: a remote that does not answer fails the sync instead of
// hanging it.
const gitTimeout = 2 * time.Minute

// gitEnv is the environment git runs in for a store: none of the variables that point git
// elsewhere (amika also runs inside git, as a credential helper, where they are set), no
// repository above the store (as pass sets GIT_CEILING_DIRECTORIES), messages in English.
func (s *Store) gitEnv() []string {
	var env []string
	for _, kv := range s.env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_NAMESPACE", "GIT_INDEX_FILE", "GIT_INDEX_VERSION",
			"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR",
			"GIT_CEILING_DIRECTORIES", "GIT_PREFIX", "LC_ALL", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GIT_CEILING_DIRECTORIES="+filepath.Dir(filepath.Clean(s.cfg.Dir)), "LC_ALL=C")
	if !s.cfg.Interactive {
		env = append(env, "GIT_TERMINAL_PROMPT=0")
	}
	return env
}

type gitError struct {
	args   []string
	line   string // git's reason, one line
	stderr string // all git said, for telling failures apart (never shown: it is long)
}

func (e *gitError) Error() string {
	if e.line == "" {
		return "git " + e.args[0] + " failed"
	}
	// git's reason may quote a remote's message or a file of the repository.
	return "git " + e.args[0] + ": " + discovery.Printable(e.line)
}

// git runs git in the store's directory and returns its standard output. Operands that
// come from the repository or its configuration (paths, remotes, branches) follow "--" or
// a fixed prefix ("refs/…"), so none is ever read as an option.
func (s *Store) git(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", s.cfg.Dir}, args...)...)
	cmd.Env = s.gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("git %s did not finish within %v", args[0], gitTimeout)
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return "", fmt.Errorf("cannot run git: %v", unwrapExec(err))
		}
		return stdout.String(), &gitError{args: args, line: lastLine(stderr.String()), stderr: stderr.String()}
	}
	return stdout.String(), nil
}

// lastLine is git's reason: its first "fatal:" or "error:" line, else its last line (hints
// left out).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if r, ok := strings.CutPrefix(l, "fatal: "); ok {
			return r
		}
		if r, ok := strings.CutPrefix(l, "error: "); ok {
			return r
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "hint:") {
			return l
		}
	}
	return ""
}

// toplevel is the root of the store's git work tree, or ErrNotGit.
func (s *Store) toplevel(ctx context.Context) (string, error) {
	if fi, err := os.Stat(s.cfg.Dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s: %w", s.cfg.Dir, ErrNotGit)
	}
	out, err := s.git(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return "", fmt.Errorf("%s: %w (clone the team's repository there, or `git -C %s init` and add a remote)", s.cfg.Dir, ErrNotGit, s.cfg.Dir)
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// IsGit says whether the store is a git repository.
func (s *Store) IsGit(ctx context.Context) bool {
	_, err := s.toplevel(ctx)
	return err == nil
}

// commit records paths (written or removed) in one commit with message, as pass does after
// each change: only these paths, whatever else is staged. A store that is not a git
// repository is left as it is.
func (s *Store) commit(ctx context.Context, message string, paths []string) error {
	top, err := s.toplevel(ctx)
	if errors.Is(err, ErrNotGit) {
		return nil
	}
	if err != nil {
		return err
	}
	var present, gone []string
	for _, p := range paths {
		r, err := filepath.Rel(top, p)
		if err != nil || strings.HasPrefix(r, "..") {
			continue // in a nested repository of its own: not this one's to commit
		}
		if _, err := os.Lstat(p); err == nil {
			present = append(present, r)
		} else {
			gone = append(gone, r)
		}
	}
	if len(present) > 0 {
		if _, err := s.git(ctx, append([]string{"add", "--"}, present...)...); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		if _, err := s.git(ctx, append([]string{"rm", "-q", "--cached", "--ignore-unmatch", "--"}, gone...)...); err != nil {
			return err
		}
	}
	staged, err := s.git(ctx, append([]string{"diff", "--cached", "--name-only", "-z", "--"}, append(present, gone...)...)...)
	if err != nil {
		return err
	}
	var changed []string
	for _, p := range strings.Split(staged, "\x00") {
		if p != "" {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	args := []string{"commit", "-q", "-m", message}
	if out, _ := s.git(ctx, "config", "--bool", "--get", "pass.signcommits"); strings.TrimSpace(out) == "true" {
		args = append(args, "-S")
	}
	if _, err := s.git(ctx, append(append(args, "--"), changed...)...); err != nil {
		var ge *gitError
		if errors.As(err, &ge) && (strings.Contains(ge.line, "tell me who you are") || strings.Contains(ge.line, "unable to auto-detect email") || strings.Contains(ge.line, "auto-detection is disabled") || strings.Contains(ge.line, "empty ident")) {
			return fmt.Errorf("git commit: no author identity: set it with `git -C %s config user.name …` and `… user.email …`", s.cfg.Dir)
		}
		// Leave the index as it was for these paths.
		s.git(ctx, append([]string{"reset", "-q", "--"}, changed...)...)
		return err
	}
	return nil
}

// SyncResult is what a sync did.
type SyncResult struct {
	Remote  string   // "origin/main"
	Changed []string // files the pull changed, relative to the store
	Pushed  bool
	// RecipientsBefore and RecipientsAfter are the recipients of .gpg-id before and after
	// the pull, when the pull changed them, as messages may show them: fingerprints and key
	// IDs as they are, other lines by their number (never their text).
	RecipientsBefore, RecipientsAfter []string
}

// SyncError is a write that was made and committed, and then could not be synced.
type SyncError struct{ Err error }

func (e *SyncError) Error() string { return "committed here, not pushed: " + e.Err.Error() }
func (e *SyncError) Unwrap() error { return e.Err }

// Sync brings the store level with its remote: fetch, rebase local commits on the remote
// branch (git pull --rebase), push. A conflict undoes the rebase: nothing is merged, local
// commits stay, and the error names the files.
func (s *Store) Sync(ctx context.Context) (SyncResult, error) {
	unlock, err := s.lock()
	if err != nil {
		return SyncResult{}, err
	}
	defer unlock()
	return s.sync(ctx)
}

// pushAttempts bounds how often a push rejected because the remote moved meanwhile (another
// member pushed) is retried after a new rebase.
const pushAttempts = 12

func (s *Store) sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	if _, err := s.toplevel(ctx); err != nil {
		return res, err
	}
	branch, err := s.git(ctx, "symbolic-ref", "--short", "-q", "HEAD")
	branch = strings.TrimSpace(branch)
	if err != nil || branch == "" {
		return res, fmt.Errorf("%s: HEAD is not on a branch (a rebase or checkout in progress?): see `git -C %s status`", s.cfg.Dir, s.cfg.Dir)
	}
	remote, merge := s.upstream(ctx, branch)
	if remote == "" {
		return res, fmt.Errorf("%s: the repository has no remote: `git -C %s remote add origin URL`", s.cfg.Dir, s.cfg.Dir)
	}
	res.Remote = remote + "/" + merge
	if out, err := s.git(ctx, "status", "--porcelain", "--untracked-files=no"); err != nil {
		return res, err
	} else if strings.TrimSpace(out) != "" {
		return res, fmt.Errorf("%s: uncommitted changes in the repository; commit or undo them first (`git -C %s status`)", s.cfg.Dir, s.cfg.Dir)
	}
	idBefore := s.gpgIDState()
	before, _ := s.git(ctx, "rev-parse", "-q", "--verify", "HEAD")
	before = strings.TrimSpace(before)
	tracking := "refs/remotes/" + remote + "/" + merge
	for attempt := 1; ; attempt++ {
		if _, err := s.git(ctx, "fetch", "-q", "--", remote, "+refs/heads/"+merge+":"+tracking); err != nil {
			var ge *gitError
			if !errors.As(err, &ge) || !strings.Contains(ge.line, "couldn't find remote ref") {
				return res, fmt.Errorf("%s: %w", s.cfg.Dir, err)
			}
			// An empty remote: nothing to pull, the first push creates the branch.
			tracking = ""
		}
		switch {
		case tracking != "" && before == "":
			// A clone made before anything was pushed: take the remote branch as it is.
			if _, err := s.git(ctx, "checkout", "-q", "-B", branch, tracking, "--"); err != nil {
				return res, fmt.Errorf("%s: %w", s.cfg.Dir, err)
			}
		case tracking != "":
			if err := s.rebase(ctx, tracking, res.Remote); err != nil {
				return res, err
			}
		}
		ahead := before != "" // an unborn branch on an empty remote has nothing to push
		if tracking != "" {
			out, _ := s.git(ctx, "rev-list", "--count", tracking+"..HEAD")
			ahead = strings.TrimSpace(out) != "0"
		}
		if !ahead {
			break
		}
		_, err := s.git(ctx, "push", "-q", "--", remote, "HEAD:refs/heads/"+merge)
		if err == nil {
			res.Pushed = true
			if tracking == "" {
				tracking = "refs/remotes/" + remote + "/" + merge
				s.git(ctx, "fetch", "-q", "--", remote, "+refs/heads/"+merge+":"+tracking)
			}
			break
		}
		var ge *gitError
		// Rejected because the remote moved (another member pushed first, or is pushing
		// right now and holds the branch's lock): rebase again.
		rejected := errors.As(err, &ge) && (strings.Contains(ge.stderr, "[rejected]") &&
			(strings.Contains(ge.stderr, "(fetch first)") || strings.Contains(ge.stderr, "(non-fast-forward)")) ||
			strings.Contains(ge.stderr, "[remote rejected]") && (strings.Contains(ge.stderr, "cannot lock ref") ||
				strings.Contains(ge.stderr, "failed to update ref") || strings.Contains(ge.stderr, "incorrect old value")))
		if !rejected || attempt == pushAttempts {
			return res, fmt.Errorf("%s: %w", s.cfg.Dir, err)
		}
		tracking = "refs/remotes/" + remote + "/" + merge
		// Let the other writer finish before trying again: exponential backoff with jitter,
		// so two clones pushing in turn do not keep colliding.
		backoff := min(50*time.Millisecond<<attempt, time.Second)
		time.Sleep(backoff/2 + rand.N(backoff))
	}
	if cfg, _ := s.git(ctx, "config", "branch."+branch+".remote"); strings.TrimSpace(cfg) == "" && tracking != "" {
		s.git(ctx, "branch", "-q", "--set-upstream-to="+remote+"/"+merge)
	}
	changed := []string{"diff", "--name-only", "-z", before, "HEAD"}
	if before == "" {
		changed = []string{"ls-tree", "-r", "-z", "--name-only", "HEAD"}
	}
	if head, _ := s.git(ctx, "rev-parse", "-q", "--verify", "HEAD"); strings.TrimSpace(head) != "" {
		out, _ := s.git(ctx, changed...)
		for _, p := range strings.Split(out, "\x00") {
			if p != "" {
				res.Changed = append(res.Changed, p)
			}
		}
	}
	if idAfter := s.gpgIDState(); idBefore.exists && idBefore.ids != idAfter.ids {
		res.RecipientsBefore, res.RecipientsAfter = idBefore.shown, idAfter.shown
	}
	return res, nil
}

// upstream is the remote and branch the current branch syncs with: its configured upstream,
// else the same branch on "origin" (or on the only remote).
func (s *Store) upstream(ctx context.Context, branch string) (remote, merge string) {
	remote = strings.TrimSpace(first(s.git(ctx, "config", "branch."+branch+".remote")))
	merge = strings.TrimPrefix(strings.TrimSpace(first(s.git(ctx, "config", "branch."+branch+".merge"))), "refs/heads/")
	if remote == "" || remote == "." {
		remotes := strings.Fields(first(s.git(ctx, "remote")))
		switch {
		case contains(remotes, "origin"):
			remote = "origin"
		case len(remotes) == 1:
			remote = remotes[0]
		default:
			return "", ""
		}
	}
	if merge == "" {
		merge = branch
	}
	return remote, merge
}

func first(s string, _ error) string { return s }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rebase puts local commits on top of onto. A conflict is undone: the error names the
// files, and the repository is as it was before.
func (s *Store) rebase(ctx context.Context, onto, display string) error {
	_, err := s.git(ctx, "-c", "rebase.autoStash=false", "rebase", "-q", onto)
	if err == nil {
		return nil
	}
	conflicted, _ := s.git(ctx, "diff", "--name-only", "--diff-filter=U", "-z")
	var files []string
	for _, p := range strings.Split(conflicted, "\x00") {
		if p != "" {
			files = append(files, discovery.Printable(p))
		}
	}
	if _, aerr := s.git(ctx, "rebase", "--abort"); aerr != nil && len(files) == 0 {
		return fmt.Errorf("%s: %w", s.cfg.Dir, err)
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: %w", s.cfg.Dir, err)
	}
	return fmt.Errorf("%s: %w: %s changed both here and on %s; nothing was merged and your commits stay local: resolve with `git -C %s pull --rebase`, then sync again", s.cfg.Dir, ErrConflict, strings.Join(files, ", "), display, s.cfg.Dir)
}
