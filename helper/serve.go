package helper

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

// Options are what a request may need. Each is used only when a request needs it: a git
// request never runs discovery, a provider request never opens the store.
type Options struct {
	// OpenStore opens the amika store (keyring or file): git credentials, and what store
	// and erase write.
	OpenStore func() (store.Store, error)
	// OpenLookup opens the store secrets are read from by name (name=, the bare form): the
	// user's own, then the team stores, as `amika run --secret` reads them. Nil: OpenStore.
	OpenLookup func() (store.Store, error)
	// Discover runs discovery exactly as `amika auth extract` does.
	Discover func() (discovery.Result, error)
	// LockPath, when set, is a file locked around every store read-modify-write, so two
	// helpers storing for the same host at once both land.
	LockPath string
	Now      time.Time
}

// Serve answers one helper invocation: action is get, store or erase; the request is read
// from in, a get's answer written to out. Any other action reads the request and does
// nothing, as git expects of helpers. Nothing is written unless the whole answer can be.
func Serve(action string, in io.Reader, out io.Writer, opt Options) error {
	req, err := parseRequest(in)
	switch action {
	case "get", "store", "erase":
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	s := server{opt: opt, req: req}
	switch action {
	case "get":
		pairs, err := s.get()
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if err := writeAnswer(out, pairs); err != nil {
			return fmt.Errorf("get: %w: nothing written", err)
		}
		return nil
	case "store":
		if err := s.store(); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	case "erase":
		if err := s.erase(); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	return nil
}

type server struct {
	opt Options
	req attributes
	st  store.Store
}

func (s *server) open() (store.Store, error) {
	if s.st != nil {
		return s.st, nil
	}
	if s.opt.OpenStore == nil {
		return nil, errors.New("no store configured")
	}
	st, err := s.opt.OpenStore()
	if err != nil {
		return nil, err
	}
	s.st = st
	return st, nil
}

// lookup opens the store named secrets are read from.
func (s *server) lookup() (store.Store, error) {
	if s.opt.OpenLookup == nil {
		return s.open()
	}
	return s.opt.OpenLookup()
}

func (s *server) git() (gitStore, error) {
	st, err := s.open()
	return gitStore{st: st, now: s.opt.Now}, err
}

func (s *server) get() ([]pair, error) {
	q := newGitRequest(s.req)
	if p, ok := s.req.Get("provider"); ok {
		provider := discovery.Canonical(p)
		if q.protocol != nil || q.host != nil {
			// A request that says where the key goes is answered only for the provider's
			// own API, over https.
			if dest, ok := destinationProvider(q); !ok || dest != provider {
				return nil, errors.New("provider=: an API key goes only to its provider's API host over https, and this request names another destination")
			}
		}
		c, err := s.opt.apiKey(provider)
		if errors.Is(err, errNoCredential) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return keyAnswer(c), nil
	}
	if name, ok := s.req.Get("name"); ok {
		return s.nameAnswer(name)
	}
	if q.protocol == nil && q.host == nil && q.path == nil && q.username == nil {
		// Nothing to match on (an empty request): nothing to answer.
		return nil, nil
	}
	g, err := s.git()
	if err != nil {
		return nil, err
	}
	pairs, err := g.get(q)
	if err != nil || pairs != nil {
		return pairs, err
	}
	// No stored git credential: a provider's API, asked over https, gets the provider's
	// API key. Anything short of one (an OAuth token only, nothing at all) is git's "no
	// answer", so git asks the next helper.
	if provider, ok := destinationProvider(q); ok {
		c, err := s.opt.apiKey(provider)
		var oauthOnly *oauthOnlyError
		if errors.Is(err, errNoCredential) || errors.As(err, &oauthOnly) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return keyAnswer(c), nil
	}
	return nil, nil
}

// checkName refuses names that are not secret names, and the git records' own names. The
// error does not repeat the name: whatever was sent as one may be a secret.
func checkName(name string) error {
	if strings.HasPrefix(name, gitPrefix) {
		return errors.New("the name attribute names a git credential record: ask with protocol= and host= instead")
	}
	if store.ValidateName(name) != nil {
		return errors.New("the name attribute is not a secret name (1 to 128 characters of A-Z a-z 0-9 _ . -)")
	}
	return nil
}

func (s *server) nameAnswer(name string) ([]pair, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	st, err := s.lookup()
	if err != nil {
		return nil, err
	}
	sec, err := st.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := []pair{{Key: "name", Value: sec.Name}, {Key: "type", Value: string(sec.Type)}}
	if sec.Provider != "" {
		out = append(out, pair{Key: "provider", Value: sec.Provider})
	}
	return append(out, pair{Key: "password", Value: sec.Value}), nil
}

// storedKeys are the attributes a store keeps or keys on; unknown keys stay ignored.
var storedKeys = []string{"protocol", "host", "path", "username", "password", "password_expiry_utc",
	"oauth_refresh_token", "authtype", "credential", "provider", "name", "kind"}

// checkWritable refuses a request holding a value that could not be written back.
func (s *server) checkWritable() error {
	for _, k := range storedKeys {
		if why := unwritable(s.req.single[k]); why != "" {
			return fmt.Errorf("the %s value %s: nothing stored", k, why)
		}
	}
	return nil
}

func (s *server) store() error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	if e, ok := s.req.Get("ephemeral"); ok && parseBool(e) {
		return nil
	}
	if p, ok := s.req.Get("provider"); ok {
		// What provider= answers is an API key, so that is all it keeps: an OAuth token
		// stored here would come back as one.
		if k, ok := s.req.Get("kind"); ok && k != string(discovery.KindAPIKey) {
			return errors.New("provider= stores API keys only, and the kind attribute says otherwise: nothing stored")
		}
		provider := discovery.Canonical(p)
		name := providerSecretName(provider)
		if store.ValidateName(name) != nil {
			return errors.New("the provider attribute is not a provider name amika can store a key under: nothing stored")
		}
		return s.storeSecret(name, provider)
	}
	if name, ok := s.req.Get("name"); ok {
		if err := checkName(name); err != nil {
			return err
		}
		return s.storeSecret(name, "")
	}
	q := newGitRequest(s.req)
	c := gitCredential{
		Path: q.path, Username: q.username, Password: q.password, Credential: q.credential,
		AuthType: s.req.ptr("authtype"), OAuthRefreshToken: s.req.ptr("oauth_refresh_token"),
	}
	if e, ok := s.req.Get("password_expiry_utc"); ok {
		c.PasswordExpiryUTC = parseExpiry(e)
	}
	// git's own sanity checks: a key to store under, and a credential worth storing.
	if q.protocol == nil || q.host == nil && q.path == nil {
		return nil
	}
	if (c.Username == nil || c.Password == nil) && c.Credential == nil {
		return nil
	}
	if expired(c, s.opt.Now) {
		return nil
	}
	return s.updateGit(func(g gitStore) error { return g.put(q.protocol, q.host, c) })
}

// providerSecretName is where `store` with provider= keeps a key: the provider's first
// variable name, which discovery reads back from the store.
func providerSecretName(provider string) string {
	return discovery.EnvNames(provider, discovery.KindAPIKey)[0]
}

func (s *server) storeSecret(name, provider string) error {
	value, ok := s.req.Get("password")
	if !ok || value == "" {
		return errors.New("no password= given: nothing stored")
	}
	sec := store.Secret{Name: name, Value: value, Meta: store.Meta{Provider: provider, Origin: "amika credential store"}}
	if provider != "" {
		sec.Type = store.TypeAPIKey
	}
	st, err := s.open()
	if err != nil {
		return err
	}
	return st.Set(store.Infer(sec))
}

func (s *server) erase() error {
	if p, ok := s.req.Get("provider"); ok {
		for _, name := range discovery.EnvNames(discovery.Canonical(p), discovery.KindAPIKey) {
			if err := s.eraseSecret(name); err != nil {
				return err
			}
		}
		return nil
	}
	if name, ok := s.req.Get("name"); ok {
		if err := checkName(name); err != nil {
			return err
		}
		return s.eraseSecret(name)
	}
	q := newGitRequest(s.req)
	// As git's credential-store: a request with nothing to match on would erase
	// everything, and is far too easy to send by accident.
	if q.protocol == nil && q.host == nil && q.path == nil && q.username == nil {
		return nil
	}
	return s.updateGit(func(g gitStore) error { return g.erase(q) })
}

// eraseSecret deletes a named secret, only when it holds the given password if one is given.
func (s *server) eraseSecret(name string) error {
	if store.ValidateName(name) != nil {
		return nil
	}
	st, err := s.open()
	if err != nil {
		return err
	}
	if want, ok := s.req.Get("password"); ok {
		sec, err := st.Get(name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if sec.Value != want {
			return nil
		}
	}
	err = st.Delete(name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Lookup answers the bare form `amika credential get <provider-or-name>`, for tools that
// take a command's output as an API key (Claude Code's apiKeyHelper, $(…) in scripts): the
// provider's API key, else the stored secret of that name (the user's own, then the team
// stores). An OAuth token is never the answer: those tools would send it as an API key.
func Lookup(arg string, opt Options) (string, error) {
	var oauthOnly error
	if provider := discovery.Canonical(arg); provider != "" {
		c, err := opt.apiKey(provider)
		var e *oauthOnlyError
		switch {
		case err == nil:
			return bareValue(c.Value)
		case errors.As(err, &e):
			oauthOnly = err
		case !errors.Is(err, errNoCredential):
			return "", err
		}
	}
	if checkName(arg) == nil {
		s := server{opt: opt}
		st, err := s.lookup()
		if err != nil {
			return "", err
		}
		sec, err := st.Get(arg)
		if err == nil && sec.IsOAuth() {
			return "", fmt.Errorf("secret %s is an OAuth token, not an API key, and what reads this command's output sends it as one (amika secret get %s prints it; amika run --secret hands it over)", store.NameText(sec.Name), store.NameText(sec.Name))
		}
		if err == nil {
			return bareValue(sec.Value)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	if oauthOnly != nil {
		return "", oauthOnly
	}
	return "", fmt.Errorf("%w: no API key for a provider of that name, and no secret stored under it", errNoCredential)
}

// bareValue refuses a value a shell could not take from $(…) whole.
func bareValue(v string) (string, error) {
	if strings.IndexByte(v, 0) >= 0 {
		return "", errors.New("the value holds a NUL byte and cannot be printed")
	}
	return v, nil
}

// updateGit runs one read-modify-write of git credentials under the lock, so concurrent
// helpers never lose each other's writes; an empty LockPath locks nothing.
func (s *server) updateGit(update func(gitStore) error) error {
	g, err := s.git()
	if err != nil {
		return err
	}
	if s.opt.LockPath != "" {
		if err := safefile.PrivateDir(filepath.Dir(s.opt.LockPath)); err != nil {
			return fmt.Errorf("%s: %w", filepath.Dir(s.opt.LockPath), err)
		}
		unlock, err := safefile.Lock(s.opt.LockPath)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return update(g)
}
