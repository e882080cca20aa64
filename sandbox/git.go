package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// BranchPrefix starts the branch of every --git sandbox: amika/NAME.
const BranchPrefix = "amika/"

// git runs git on the host with the user's own configuration, as the user would.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // git's last line says what went wrong
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], strings.TrimPrefix(msg, "fatal: "))
	}
	return strings.TrimSpace(out.String()), nil
}

// findRepo finds the repository dir is in: its top level and its (common) git directory.
func findRepo(dir string) (top, common string, err error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", "", errors.New("--git needs git, which is not installed")
	}
	out, err := git(dir, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir")
	if err != nil {
		return "", "", fmt.Errorf("--git: %s is not in a git repository (run create inside one, or use --dir)", dir)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 2 {
		return "", "", fmt.Errorf("--git: %s: a bare repository has no working tree to start from", dir)
	}
	return lines[0], filepath.Clean(lines[1]), nil
}

// addWorktree checks out branch (created from the current HEAD when it does not exist yet)
// in a new worktree at path, locked so that git worktree prune leaves it alone.
func addWorktree(repo, path, branch, reason string) error {
	args := []string{"worktree", "add", "--quiet", "--lock", "--reason", reason}
	if _, err := git(repo, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch); err == nil {
		args = append(args, path, branch)
	} else {
		args = append(args, "-b", branch, path, "HEAD")
	}
	_, err := git(repo, args...)
	return err
}

// ErrDirty is returned (wrapped) when a worktree holds uncommitted work.
var ErrDirty = errors.New("uncommitted changes")

// removeWorktree removes the worktree at path from the repository whose git directory is
// common. Unless force, a worktree with uncommitted or untracked files is left as it is.
// The branch stays: it holds what was committed in the sandbox.
func removeWorktree(common, path string, force bool) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		// Gone (a create that was interrupted): only git's entry for it, locked, remains.
		git(common, "worktree", "remove", "--force", "--force", path)
		return nil
	}
	if !force {
		if err := checkWorktreeConfig(path); err != nil {
			return err
		}
		// The worktree holds what the sandbox wrote: a nested repository registered as a
		// submodule brings its own config (core.fsmonitor runs a command), which git status
		// would read and run on the host when it looks into submodules. It does not look.
		out, err := git(path, "-c", "core.fsmonitor=false", "-c", "submodule.recurse=false", "status", "--porcelain", "--untracked-files=normal", "--ignore-submodules=all")
		if err != nil {
			return err
		}
		if out != "" {
			n := strings.Count(out, "\n") + 1
			return fmt.Errorf("%w in its worktree %s (%d %s)", ErrDirty, path, n, plural(n, "path", "paths"))
		}
	}
	_, err := git(common, "worktree", "remove", "--force", "--force", path)
	return err
}

// checkWorktreeConfig refuses a worktree whose config.worktree is not the empty file amika
// made read-only inside (gitMounts): one written inside the sandbox before that could name a
// command that git status on the host runs.
func checkWorktreeConfig(path string) error {
	gitdir, err := worktreeGitDir(path)
	if err != nil {
		return err
	}
	name := filepath.Join(gitdir, "config.worktree")
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.Mode().IsRegular() || fi.Size() != 0:
		return fmt.Errorf("%s was written in the sandbox, and git on the host would read it as config: look at it, then delete with --force (which skips the check for uncommitted work)", name)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// worktreeGitDir reads the git directory of the worktree at path from its .git file.
func worktreeGitDir(path string) (string, error) {
	name := filepath.Join(path, ".git")
	data, err := safefile.ReadFileNoFollow(name, 4096)
	if err != nil {
		return "", fmt.Errorf("%s: %v", name, err)
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s: not a worktree's .git file", name)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(path, dir)
	}
	return filepath.Clean(dir), nil
}

// gitMounts lays a --git sandbox's git metadata over the layout. The repository's git
// directory is read-only inside: its config and hooks decide what git runs on the host, and
// so does every pointer from the worktree to it. Writable are only what committing on
// amika/NAME writes: new objects, the refs and logs under refs/heads/amika/, and the
// worktree's own directory (HEAD, index, its logs), in which the files that point back to
// the repository (commondir, gitdir) stay read-only.
func gitMounts(g *GitInfo) ([]Mount, error) {
	gitdir, err := worktreeGitDir(g.Worktree)
	if err != nil {
		return nil, err
	}
	if !within(gitdir, filepath.Join(g.CommonDir, "worktrees")) {
		return nil, fmt.Errorf("%s/.git: points outside %s", g.Worktree, g.CommonDir)
	}
	refs := filepath.Join(g.CommonDir, "refs", "heads", strings.TrimSuffix(BranchPrefix, "/"))
	logs := filepath.Join(g.CommonDir, "logs", "refs", "heads", strings.TrimSuffix(BranchPrefix, "/"))
	for _, d := range []string{refs, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	ms := []Mount{
		{BindRO, g.CommonDir, g.CommonDir},
		{BindRW, filepath.Join(g.CommonDir, "objects"), filepath.Join(g.CommonDir, "objects")},
		{BindRW, refs, refs},
		{BindRW, logs, logs},
		{BindRW, gitdir, gitdir},
	}
	// commondir and gitdir point git on the host at a repository; config.worktree, read when
	// the repository sets extensions.worktreeConfig (git sparse-checkout does), is config
	// like any other and can name commands (a filter's clean command runs in git status).
	// All three are read-only inside, config.worktree created empty first when missing:
	// one the agent created would be its own.
	for _, f := range []string{"commondir", "gitdir"} {
		p := filepath.Join(gitdir, f)
		if !isFile(p) {
			return nil, fmt.Errorf("%s: missing from the worktree's git directory", p)
		}
		ms = append(ms, Mount{BindRO, p, p})
	}
	wtConfig := filepath.Join(gitdir, "config.worktree")
	if !isFile(wtConfig) {
		f, err := safefile.CreateExcl(wtConfig, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", wtConfig, err)
		}
		f.Close()
	}
	ms = append(ms, Mount{BindRO, wtConfig, wtConfig})
	dotgit := filepath.Join(g.Worktree, ".git")
	return append(ms, Mount{BindRO, dotgit, dotgit}), nil
}

// identityVars are the variables git takes a commit's identity from, before its config.
var identityVars = [...]string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"}

// gitIdentity is the user's git identity as git on the host resolves it for the worktree
// (user.name and user.email from the user's own config, its includes followed), as NAME=VALUE
// of identityVars, but for those env (--env) names. The sandbox's home has no ~/.gitconfig,
// and nothing else of the user's config goes in. A host without an identity gives none;
// git inside then says what is missing.
func gitIdentity(worktree string, env []string) []string {
	out, err := git(worktree, "config", "-z", "--get-regexp", `^user\.(name|email)$`)
	if err != nil {
		return nil // none set (git config exits 1)
	}
	var name, email string
	for _, kv := range strings.Split(out, "\x00") {
		switch k, v, _ := strings.Cut(kv, "\n"); k {
		case "user.name":
			name = v // the last one, as git takes it
		case "user.email":
			email = v
		}
	}
	given := make(map[string]bool, len(env))
	for _, e := range env {
		n, _, _ := strings.Cut(e, "=")
		given[n] = true
	}
	vars := make([]string, 0, len(identityVars))
	for i, k := range identityVars {
		v := name
		if i%2 == 1 {
			v = email
		}
		if v != "" && !given[k] {
			vars = append(vars, k+"="+v)
		}
	}
	return vars
}

// dirGitMounts keeps a --dir workspace's own git metadata read-only: its .git (a directory,
// or the file of a worktree or submodule) decides what git runs on the host.
func dirGitMounts(dir string) []Mount {
	dotgit := filepath.Join(dir, ".git")
	if _, err := os.Lstat(dotgit); err != nil {
		return nil
	}
	return []Mount{{BindRO, dotgit, dotgit}}
}
