package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// BranchPrefix starts the branch of every worktree sandbox: amika/NAME.
const BranchPrefix = "amika"

// GitRecord is the repository a --git sandbox's worktree belongs to.
type GitRecord struct {
	Repo      string `json:"repo"`       // the repository's top-level directory
	CommonDir string `json:"common_dir"` // its git directory (shared by its worktrees)
	Branch    string `json:"branch"`     // amika/NAME
}

// git runs git with args in dir and returns its output; the error carries git's message.
// Configuration that would run a command of the worktree's making (an fsmonitor, hooks)
// is turned off: amika reads worktrees that a sandbox wrote.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		msg = strings.TrimPrefix(msg, "fatal: ")
		if msg == "" {
			msg = unwrapExec(err).Error()
		}
		return "", errors.New(firstLineOf(msg))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// repoOf finds the repository dir is in.
func repoOf(dir string) (GitRecord, error) {
	out, err := git(dir, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir")
	if err != nil {
		return GitRecord{}, fmt.Errorf("--git: %s is not in a git repository (%v)", dir, err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 2 {
		return GitRecord{}, fmt.Errorf("--git: %s: a bare repository has no work tree to start from", dir)
	}
	if _, err := git(dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		return GitRecord{}, fmt.Errorf("--git: the repository in %s has no commit yet: a worktree starts from one", lines[0])
	}
	return GitRecord{Repo: lines[0], CommonDir: lines[1]}, nil
}

// addWorktree creates the worktree at path on branch: a new branch from the repository's
// HEAD, or the branch as it is when it exists already (a sandbox of the same name before).
// It says which.
func addWorktree(g GitRecord, path string) (reused bool, err error) {
	if _, err := git(g.Repo, "show-ref", "--verify", "--quiet", "refs/heads/"+g.Branch); err == nil {
		_, err = git(g.Repo, "worktree", "add", "--quiet", path, g.Branch)
		if err != nil {
			return true, fmt.Errorf("git worktree add: %v", err)
		}
		return true, nil
	}
	if _, err := git(g.Repo, "worktree", "add", "--quiet", "-b", g.Branch, path, "HEAD"); err != nil {
		return false, fmt.Errorf("git worktree add: %v", err)
	}
	return false, nil
}

// worktreeGitDir reads the worktree's .git file: the directory, inside the repository's git
// directory, that holds its HEAD and index. It must be one of the repository's.
func worktreeGitDir(g GitRecord, worktree string) (string, error) {
	dotGit := filepath.Join(worktree, ".git")
	data, err := safefile.ReadFileNoFollow(dotGit, 4096)
	if err != nil {
		return "", fmt.Errorf("%s: %v", dotGit, err)
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s: not a worktree's .git file", dotGit)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(worktree, dir)
	}
	dir = filepath.Clean(dir)
	if filepath.Dir(dir) != filepath.Join(g.CommonDir, "worktrees") || !isDir(dir) {
		return "", fmt.Errorf("%s: names %s, not a worktree of %s", dotGit, dir, g.Repo)
	}
	return dir, nil
}

// gitLayout is what a worktree needs bound, checked at each start. A directory the
// sandbox may write in that does not exist yet is created: git would create it.
func gitLayout(g GitRecord, worktree string) (*gitView, error) {
	if !isDir(g.CommonDir) {
		return nil, fmt.Errorf("the repository's git directory %s is gone", g.CommonDir)
	}
	wtDir, err := worktreeGitDir(g, worktree)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"refs/heads/" + BranchPrefix, "logs/refs/heads/" + BranchPrefix} {
		p := filepath.Join(g.CommonDir, d)
		if !isDir(p) {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return nil, err
			}
		}
	}
	// An empty per-worktree configuration, bound read-only: git reads it when the
	// repository enables extensions.worktreeConfig.
	if cw := filepath.Join(wtDir, "config.worktree"); !isFile(cw) {
		if f, err := safefile.CreateExcl(cw, 0o644); err == nil {
			f.Close()
		}
	}
	return &gitView{commonDir: g.CommonDir, worktreeDir: wtDir, dotGit: filepath.Join(worktree, ".git")}, nil
}

// dirty says whether the worktree holds changes not committed (untracked files included).
func dirty(worktree string) (bool, error) {
	out, err := git(worktree, "status", "--porcelain", "--untracked-files=normal")
	if err != nil {
		return false, err
	}
	return out != "", nil
}

// removeWorktree removes the worktree from its repository; its branch stays.
func removeWorktree(g GitRecord, worktree string, force bool) error {
	if !isDir(g.CommonDir) {
		return nil // the repository is gone; removing the directory is all there is
	}
	args := []string{"worktree", "remove"}
	if force {
		args = append(args, "--force", "--force") // twice: also when locked
	}
	if _, err := git(g.Repo, append(args, worktree)...); err != nil && isDir(worktree) {
		return fmt.Errorf("git worktree remove: %v", err)
	}
	git(g.Repo, "worktree", "prune")
	return nil
}

// identity is the user's name and email as git uses them in the repository, for the
// sandbox's own ~/.gitconfig: commits made inside are the user's.
func identity(repo string) []byte {
	name, _ := git(repo, "config", "user.name")
	email, _ := git(repo, "config", "user.email")
	if name == "" && email == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("[user]\n")
	if name != "" {
		fmt.Fprintf(&b, "\tname = %s\n", gitQuote(name))
	}
	if email != "" {
		fmt.Fprintf(&b, "\temail = %s\n", gitQuote(email))
	}
	return []byte(b.String())
}

func gitQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`).Replace(s)
	return `"` + s + `"`
}
