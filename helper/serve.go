package helper

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

// Options are what a request may need. Each is used only when a request needs it: a git
// request never runs discovery, a provider request never opens the store.
type Options struct {
	// OpenStore opens the amika store (keyring or file).
	OpenStore func() (store.Store, error)
	// Discover resolves one credential per provider, exactly as `amika auth extract` does.
	Discover func() ([]discovery.Credential, error)
	// LockPath, when set, is a file locked around every store read-modify-write, so two
	// helpers storing for the same host at once both land.
	LockPath string
	Now      time.Time
}

// ProviderForHost maps a provider's API host (optionally with :port, any case) to the
// provider.
func ProviderForHost(host string) (string, bool) {
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if _, err := strconv.Atoi(h[i+1:]); err == nil {
			h = h[:i]
		}
	}
	switch h {
	case "api.anthropic.com":
		return "anthropic", true
	case "api.openai.com":
		return "openai", true
	case "openrouter.ai":
		return "openrouter", true
	case "generativelanguage.googleapis.com":
		return "google", true
	case "api.groq.com":
		return "groq", true
	case "api.mistral.ai":
		return "mistral", true
	case "api.deepseek.com":
		return "deepseek", true
	case "api.x.ai":
		return "xai", true
	}
	return "", false
}

// Serve answers one helper invocation: action is get, store or erase; the request is read
// from in, a get's answer written to out. Any other action reads the request and does
// nothing, as git expects of helpers. Nothing is written unless the whole answer can be.
func Serve(action string, in io.Reader, out io.Writer, opt Options) error {
	req, err := Parse(in)
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
		if err := Write(out, pairs); err != nil {
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
	req Attributes
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

func (s *server) git() (gitStore, error) {
	st, err := s.open()
	return gitStore{st: st, now: s.opt.Now}, err
}

func (s *server) get() ([]Pair, error) {
	if p, ok := s.req.Get("provider"); ok {
		return s.providerAnswer(discovery.Canonical(p))
	}
	if name, ok := s.req.Get("name"); ok {
		return s.nameAnswer(name)
	}
	q := newGitRequest(s.req)
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
	if q.host != nil {
		if p, ok := ProviderForHost(*q.host); ok {
			return s.providerAnswer(p)
		}
	}
	return nil, nil
}

// Resolve finds the credential discovery resolves for a canonical provider.
func Resolve(discover func() ([]discovery.Credential, error), provider string) (discovery.Credential, bool, error) {
	if discover == nil {
		return discovery.Credential{}, false, errors.New("no discovery configured")
	}
	creds, err := discover()
	if err != nil {
		return discovery.Credential{}, false, err
	}
	for _, c := range creds {
		if c.Provider == provider {
			return c, true, nil
		}
	}
	return discovery.Credential{}, false, nil
}

func (s *server) providerAnswer(provider string) ([]Pair, error) {
	c, ok, err := Resolve(s.opt.Discover, provider)
	if err != nil || !ok {
		return nil, err
	}
	out := []Pair{
		{Key: "provider", Value: c.Provider},
		{Key: "kind", Value: string(c.Kind)},
		{Key: "source", Value: c.Source},
	}
	for _, env := range discovery.EnvNames(c.Provider) {
		out = append(out, Pair{Key: "env", Value: env, List: true})
	}
	out = append(out, Pair{Key: "password", Value: c.Value})
	if c.Kind == discovery.KindOAuth && !c.Expires.IsZero() {
		out = append(out, Pair{Key: "password_expiry_utc", Value: strconv.FormatInt(c.Expires.Unix(), 10)})
	}
	return out, nil
}

// checkName refuses names that are not secret names, and the git records' own names.
func checkName(name string) error {
	if strings.HasPrefix(name, GitPrefix) {
		return fmt.Errorf("secret %s holds git credentials: use protocol= and host= for it", name)
	}
	return store.ValidateName(name)
}

func (s *server) nameAnswer(name string) ([]Pair, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	st, err := s.open()
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
	out := []Pair{{Key: "name", Value: sec.Name}, {Key: "type", Value: string(sec.Type)}}
	if sec.Provider != "" {
		out = append(out, Pair{Key: "provider", Value: sec.Provider})
	}
	return append(out, Pair{Key: "password", Value: sec.Value}), nil
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
		return s.storeSecret(providerSecretName(discovery.Canonical(p)), discovery.Canonical(p))
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
	return discovery.EnvNames(provider)[0]
}

func (s *server) storeSecret(name, provider string) error {
	value, ok := s.req.Get("password")
	if !ok || value == "" {
		return errors.New("no password= given: nothing stored")
	}
	if err := store.ValidateName(name); err != nil {
		return err
	}
	sec := store.Secret{Name: name, Value: value, Meta: store.Meta{Provider: provider, Origin: "amika credential store"}}
	if provider != "" {
		sec.Type = store.TypeAPIKey
		if k, _ := s.req.Get("kind"); k == string(discovery.KindOAuth) {
			sec.Type = store.TypeOAuth
		}
	}
	st, err := s.open()
	if err != nil {
		return err
	}
	return st.Set(store.Infer(sec))
}

func (s *server) erase() error {
	if p, ok := s.req.Get("provider"); ok {
		for _, name := range discovery.EnvNames(discovery.Canonical(p)) {
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

// ErrNoCredential is the bare form finding nothing.
var ErrNoCredential = errors.New("no credential found")

// Lookup answers the bare form `amika credential get <provider-or-name>`: the credential
// discovery resolves for the provider, else the stored secret of that name.
func Lookup(arg string, opt Options) (string, error) {
	provider := discovery.Canonical(arg)
	if provider != "" {
		c, ok, err := Resolve(opt.Discover, provider)
		if err != nil {
			return "", err
		}
		if ok {
			return bareValue(c.Value)
		}
	}
	if checkName(arg) == nil {
		s := server{opt: opt}
		st, err := s.open()
		if err != nil {
			return "", err
		}
		sec, err := st.Get(arg)
		if err == nil {
			return bareValue(sec.Value)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", fmt.Errorf("%w for provider %q or secret %q", ErrNoCredential, provider, arg)
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
		unlock, err := safefile.LockPrivate(s.opt.LockPath)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return update(g)
}
