package pass

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// A store shared through a remote keeps one promise: what reaches the remote is encrypted
// to the recipients of the .gpg-id in force there. A write starts from the remote's state
// (fetch and rebase before encrypting), and before any push the files it would send are
// checked against their .gpg-id and re-encrypted where they do not match (a file written
// before a pull brought a new .gpg-id, a file a pull brought that a local .gpg-id change
// governs).

// SyncResult is what a sync did.
type SyncResult struct {
	Remote  string   // "origin/main"
	Changed []string // files the pull changed, relative to the store
	Pushed  bool
	// Resealed are the files re-encrypted before the push because they were encrypted to
	// other keys than their .gpg-id lists, relative to the store.
	Resealed []string
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
// branch (git pull --rebase), re-encrypt what the push would send to other keys than
// .gpg-id lists, push. A conflict undoes the rebase: nothing is merged, local commits stay,
// and the error names the files.
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

// target is where a store syncs: its branch and the remote branch it follows.
type target struct {
	branch, remote, merge string
	tracking              string // refs/remotes/REMOTE/MERGE; "" while the remote has no such branch
}

func (t target) String() string { return t.remote + "/" + t.merge }

// syncs says whether the store's writes pull first and push after: it asks for it
// (AutoSync), is a git repository and has a remote.
func (s *Store) syncs(ctx context.Context) bool {
	if !s.cfg.AutoSync {
		return false
	}
	if _, err := s.toplevel(ctx); err != nil {
		return false
	}
	out, _ := s.git(ctx, "remote")
	return strings.TrimSpace(out) != ""
}

// target says where the store syncs, or why it cannot: not a git repository, HEAD not on
// a branch, no remote, uncommitted changes.
func (s *Store) target(ctx context.Context) (target, error) {
	var t target
	if _, err := s.toplevel(ctx); err != nil {
		return t, err
	}
	branch, err := s.git(ctx, "symbolic-ref", "--short", "-q", "HEAD")
	t.branch = strings.TrimSpace(branch)
	if err != nil || t.branch == "" {
		return t, fmt.Errorf("%s: HEAD is not on a branch (a rebase or checkout in progress?): see `git -C %s status`", s.cfg.Dir, s.cfg.Dir)
	}
	t.remote, t.merge = s.upstream(ctx, t.branch)
	if t.remote == "" {
		return t, fmt.Errorf("%s: the repository has no remote: `git -C %s remote add origin URL`", s.cfg.Dir, s.cfg.Dir)
	}
	if out, err := s.git(ctx, "status", "--porcelain", "--untracked-files=no"); err != nil {
		return t, err
	} else if strings.TrimSpace(out) != "" {
		return t, fmt.Errorf("%s: uncommitted changes in the repository; commit or undo them first (`git -C %s status`)", s.cfg.Dir, s.cfg.Dir)
	}
	return t, nil
}

// head is HEAD's commit, "" on a branch with no commit yet.
func (s *Store) head(ctx context.Context) string {
	out, _ := s.git(ctx, "rev-parse", "-q", "--verify", "HEAD")
	return strings.TrimSpace(out)
}

// fetch brings the remote branch into t.tracking ("" when the remote has no such branch
// yet: an empty remote, which the first push fills).
func (s *Store) fetch(ctx context.Context, t *target) error {
	t.tracking = "refs/remotes/" + t.remote + "/" + t.merge
	if _, err := s.git(ctx, "fetch", "-q", "--", t.remote, "+refs/heads/"+t.merge+":"+t.tracking); err != nil {
		var ge *gitError
		if !errors.As(err, &ge) || !strings.Contains(ge.line, "couldn't find remote ref") {
			return fmt.Errorf("%s: %w", s.cfg.Dir, err)
		}
		t.tracking = ""
	}
	return nil
}

// pull puts the local commits on top of what fetch brought (git pull --rebase); a clone
// made before anything was pushed takes the remote branch as it is.
func (s *Store) pull(ctx context.Context, t target) error {
	if t.tracking == "" {
		return nil
	}
	if s.head(ctx) == "" {
		if _, err := s.git(ctx, "checkout", "-q", "-B", t.branch, t.tracking, "--"); err != nil {
			return fmt.Errorf("%s: %w", s.cfg.Dir, err)
		}
		return nil
	}
	return s.rebase(ctx, t.tracking, t.String())
}

// push pushes HEAD when it is ahead of the remote branch. rejected says the remote moved
// since the fetch (another member pushed first, or is pushing right now and holds the
// branch's lock): fetch, rebase and try again.
func (s *Store) push(ctx context.Context, t *target) (pushed, rejected bool, err error) {
	ahead := s.head(ctx) != "" // an unborn branch on an empty remote has nothing to push
	if t.tracking != "" {
		out, _ := s.git(ctx, "rev-list", "--count", t.tracking+"..HEAD", "--")
		ahead = strings.TrimSpace(out) != "0"
	}
	if !ahead {
		return false, false, nil
	}
	_, err = s.git(ctx, "push", "-q", "--", t.remote, "HEAD:refs/heads/"+t.merge)
	if err == nil {
		if t.tracking == "" {
			t.tracking = "refs/remotes/" + t.remote + "/" + t.merge
			s.git(ctx, "fetch", "-q", "--", t.remote, "+refs/heads/"+t.merge+":"+t.tracking)
		}
		return true, false, nil
	}
	var ge *gitError
	rejected = errors.As(err, &ge) && (strings.Contains(ge.stderr, "[rejected]") &&
		(strings.Contains(ge.stderr, "(fetch first)") || strings.Contains(ge.stderr, "(non-fast-forward)")) ||
		strings.Contains(ge.stderr, "[remote rejected]") && (strings.Contains(ge.stderr, "cannot lock ref") ||
			strings.Contains(ge.stderr, "failed to update ref") || strings.Contains(ge.stderr, "incorrect old value")))
	return false, rejected, fmt.Errorf("%s: %w", s.cfg.Dir, err)
}

// backoff lets the other writer finish before trying again: exponential with jitter, so
// two clones pushing in turn do not keep colliding.
func backoff(attempt int) {
	d := min(50*time.Millisecond<<attempt, time.Second)
	time.Sleep(d/2 + rand.N(d))
}

// follow makes the branch track the remote branch, once it exists.
func (s *Store) follow(ctx context.Context, t target) {
	if cfg, _ := s.git(ctx, "config", "branch."+t.branch+".remote"); strings.TrimSpace(cfg) == "" && t.tracking != "" {
		s.git(ctx, "branch", "-q", "--set-upstream-to="+t.remote+"/"+t.merge)
	}
}

func (s *Store) sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	t, err := s.target(ctx)
	if err != nil {
		return res, err
	}
	res.Remote = t.String()
	idBefore := s.gpgIDState()
	before := s.head(ctx)
	var pulled string
	for attempt := 1; ; attempt++ {
		if err := s.fetch(ctx, &t); err != nil {
			return res, err
		}
		if err := s.pull(ctx, t); err != nil {
			return res, err
		}
		pulled = s.head(ctx)
		resealed, err := s.reseal(ctx, t.tracking)
		if err != nil {
			return res, fmt.Errorf("%w; nothing pushed", err)
		}
		pushed, rejected, err := s.push(ctx, &t)
		if err == nil {
			res.Pushed, res.Resealed = pushed, resealed
			break
		}
		if !rejected || attempt == pushAttempts {
			return res, err
		}
		// The re-encryption is made again after the next pull, for what it brings.
		if len(resealed) > 0 {
			if _, err := s.git(ctx, "reset", "-q", "--keep", pulled, "--"); err != nil {
				return res, fmt.Errorf("%s: %w", s.cfg.Dir, err)
			}
		}
		backoff(attempt)
	}
	s.follow(ctx, t)
	changed := []string{"diff", "--name-only", "-z", before, pulled, "--"}
	if before == "" {
		changed = []string{"ls-tree", "-r", "-z", "--name-only", pulled, "--"}
	}
	if pulled != "" {
		out, _ := s.git(ctx, changed...)
		for _, p := range strings.Split(out, "\x00") {
			if p != "" {
				res.Changed = append(res.Changed, p)
			}
		}
	}
	if idAfter := s.gpgIDState(); idBefore.changed(idAfter) {
		res.RecipientsBefore, res.RecipientsAfter = idBefore.shown, idAfter.shown
	}
	return res, nil
}

// write makes one change under the store's lock: do writes and commits it. A store that
// syncs pulls first, so that the change is made on the remote's state (its .gpg-id, its
// secrets), re-encrypts what the push would send to other keys than .gpg-id lists, and
// pushes. When another member pushed in between, the change is undone and made again on
// top of theirs: concurrent writers lose nothing, and nothing is pushed that was encrypted
// for a .gpg-id no longer in force. A change that cannot be synced stays a local commit,
// and the error is a *SyncError.
func (s *Store) write(ctx context.Context, do func() error) error {
	if !s.syncs(ctx) {
		return do()
	}
	made := false // the change is committed here
	local := func(why error) error {
		if !made {
			if err := do(); err != nil {
				return err
			}
		}
		return &SyncError{Err: why}
	}
	t, err := s.target(ctx)
	if err != nil {
		return local(err)
	}
	idBefore := s.gpgIDState()
	idPulled := idBefore
	defer func() {
		if s.cfg.RecipientsChanged != nil && idBefore.changed(idPulled) {
			s.cfg.RecipientsChanged(idBefore.shown, idPulled.shown)
		}
	}()
	for attempt := 1; ; attempt++ {
		if err := s.fetch(ctx, &t); err != nil {
			return local(err)
		}
		if err := s.pull(ctx, t); err != nil {
			return local(err)
		}
		idPulled = s.gpgIDState()
		base := s.head(ctx)
		if !made {
			if err := do(); err != nil {
				return err
			}
			made = true
		}
		sealedAt := ""
		if base == "" {
			sealedAt = s.head(ctx)
		}
		resealed, err := s.reseal(ctx, t.tracking)
		if err != nil {
			return &SyncError{Err: err}
		}
		_, rejected, err := s.push(ctx, &t)
		if err == nil {
			break
		}
		if !rejected || attempt == pushAttempts {
			return &SyncError{Err: err}
		}
		// Undo the change, to make it again on what the other member pushed. A first commit
		// (nothing before it) cannot be undone that way: it is rebased instead.
		undo := base
		if base == "" && len(resealed) > 0 {
			undo = sealedAt
		}
		if undo != "" {
			if _, err := s.git(ctx, "reset", "-q", "--keep", undo, "--"); err != nil {
				return &SyncError{Err: fmt.Errorf("%s: %w", s.cfg.Dir, err)}
			}
			made = base == ""
		}
		backoff(attempt)
	}
	s.follow(ctx, t)
	return nil
}

// reseal makes what the push would send match the recipients in force. The .gpg files the
// local commits (those after tracking; all of HEAD when tracking is "") add or change, and
// every .gpg file of the store when they change a .gpg-id, are checked against the
// recipients of their .gpg-id; those encrypted to other keys are decrypted and encrypted
// again, all in memory first, then committed together. A file that cannot be decrypted
// stops it, and nothing is written. It returns the files re-encrypted, relative to the
// store.
func (s *Store) reseal(ctx context.Context, tracking string) ([]string, error) {
	// Paths relative to the store, which may be a folder of the repository.
	args := []string{"diff", "--name-only", "-z", "--no-renames", "--relative", tracking, "HEAD", "--"}
	if tracking == "" {
		if s.head(ctx) == "" {
			return nil, nil
		}
		args = []string{"ls-tree", "-r", "-z", "--name-only", "HEAD", "--"}
	}
	out, err := s.git(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.cfg.Dir, err)
	}
	var paths []string
	everything := false
	for _, r := range strings.Split(out, "\x00") {
		switch base := r[strings.LastIndexByte(r, '/')+1:]; {
		case base == ".gpg-id" || base == ".gpg-id.sig":
			everything = true
		case strings.HasSuffix(base, ".gpg"):
			paths = append(paths, filepath.Join(s.cfg.Dir, filepath.FromSlash(r)))
		}
	}
	if everything {
		if paths, err = s.allFiles(); err != nil {
			return nil, err
		}
	}
	keySets := map[string]keySet{}
	var changes []change
	var redone, named []string
	for _, path := range paths {
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
			continue // removed, or not a file amika reads
		}
		file, ids, err := s.recipientsFor(filepath.Dir(path))
		if err != nil {
			return nil, err
		}
		if ids == nil {
			continue // no .gpg-id governs it: nothing to check it against
		}
		// The file's name comes from a commit: messages show it escaped.
		shown := discovery.Printable(path)
		ct, err := readFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shown, err)
		}
		who := strings.Join(ids, "\n")
		if s.sealedTo(ct) == who {
			continue // encrypted here, to these recipients, and checked then
		}
		ks, ok := keySets[who]
		if !ok {
			if ks, err = s.resolve(ctx, ids); err != nil {
				return nil, fmt.Errorf("%s: %w", discovery.Printable(orDir(file, s.cfg.Dir)), err)
			}
			keySets[who] = ks
		}
		if s.encryptedToExactly(ctx, ct, ks) {
			continue
		}
		pt, _, err := s.gpg.decrypt(ctx, ct)
		if err != nil {
			return nil, fmt.Errorf("%s: encrypted to other keys than %s lists, and cannot be re-encrypted: %w", shown, discovery.Printable(orDir(file, s.cfg.Dir)), err)
		}
		next, err := s.seal(ctx, pt, ks)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shown, err)
		}
		changes = append(changes, change{path: path, data: next, old: ct})
		redone = append(redone, s.rel(path))
		named = append(named, discovery.Printable(s.rel(path)))
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := s.apply(ctx, "Reencrypt "+strings.Join(named, ", ")+" for the recipients of .gpg-id.", changes); err != nil {
		return nil, err
	}
	return redone, nil
}

// allFiles lists every .gpg file of the store, not in .git, not symlinks.
func (s *Store) allFiles() ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.cfg.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".gpg") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", s.cfg.Dir, unwrapPath(err))
	}
	sort.Strings(out)
	return out, nil
}

// sealedTo is whom ct is encrypted to (the .gpg-id lines, one per line), as this process
// found when it encrypted ct (seal checks gpg's output) or checked it; "" when it has not.
func (s *Store) sealedTo(ct []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sealed[sha256.Sum256(ct)]
}

func (s *Store) remember(ct []byte, recipients []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sealed == nil {
		s.sealed = map[[32]byte]string{}
	}
	s.sealed[sha256.Sum256(ct)] = strings.Join(recipients, "\n")
}
