package pass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
