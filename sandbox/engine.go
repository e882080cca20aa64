package sandbox

// Engine runs a command in an isolated environment. Bubblewrap is the one there is; a
// container engine (podman, docker) would be another, taking the same Plan.
type Engine interface {
	// Name is the engine's name in messages.
	Name() string
	// Check says whether the engine can run a sandbox on this machine; its error names the
	// cause and the fix. It may run the engine once, so it is for create, not every start.
	Check() error
	// Run starts p.Argv inside the sandbox p describes, waits for it and returns its exit
	// status. An error means the sandbox could not start; the status is then meaningless.
	Run(p *Plan) (status int, err error)
}

// MountKind is what one entry of a sandbox's file system is.
type MountKind uint8

const (
	// BindRO binds the host's Source read-only at Target.
	BindRO MountKind = iota
	// BindRW binds the host's Source read-write at Target.
	BindRW
	// Tmpfs is an empty directory in memory, private to one start, at Target.
	Tmpfs
	// Proc is the sandbox's own /proc: its processes only.
	Proc
	// Dev is a minimal /dev: null, zero, full, random, urandom, tty, a private pts.
	Dev
	// Symlink is a symbolic link at Target whose content is Source.
	Symlink
)

func (k MountKind) String() string {
	return [...]string{"ro", "rw", "tmpfs", "proc", "dev", "symlink"}[k]
}

// Mount is one entry of a sandbox's file system. Later entries are laid over earlier ones.
type Mount struct {
	Kind           MountKind
	Source, Target string
}

// Plan is everything one start of a sandbox needs, in terms any engine understands. Nothing
// of the host is visible inside but what Mounts lists.
type Plan struct {
	Mounts  []Mount
	Env     []string // CMD's whole environment
	Dir     string   // CMD's working directory
	Network Network
	Argv    []string // Argv[0] is an absolute path that exists inside
}
