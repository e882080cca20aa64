package sandbox

import "os"

// Engine runs a command in an isolated view of this machine. Bubblewrap is the one there is;
// podman or docker could follow behind the same interface.
type Engine interface {
	// Name is the engine's short name, for messages: "bubblewrap".
	Name() string
	// Check says whether the engine can start sandboxes here. Its error names the cause and
	// the fix (the engine is not installed, user namespaces are disabled, …).
	Check() error
	// Start starts spec.Argv inside a sandbox laid out as spec says and returns the running
	// sandbox. It fails before anything runs when the engine cannot start at all.
	Start(spec *Spec) (Process, error)
}

// Process is a sandbox started by an engine.
type Process interface {
	// Wait waits for the sandbox to end and returns its command's exit status, or the error
	// that kept the sandbox from being set up (then the status is meaningless).
	Wait() (status int, err error)
	// Signal sends sig to the sandbox; the engine decides how it reaches the command.
	Signal(sig os.Signal) error
}

// Spec is one sandbox to start: what it sees (Mounts, in order: a later mount lies over an
// earlier one), its environment, where it starts and what it runs.
type Spec struct {
	Mounts []Mount
	// Env is the command's whole environment; nothing of amika's own passes otherwise.
	Env []string
	// Dir is the working directory inside.
	Dir string
	// Argv is the command; Argv[0] is a path that exists inside.
	Argv []string
	// Network: share this machine's network (true), or none but a loopback of its own.
	Network bool
	// Stdin, Stdout, Stderr are the command's; nil is /dev/null.
	Stdin          *os.File
	Stdout, Stderr *os.File
}

// MountKind says what a Mount puts at its destination.
type MountKind int

const (
	// ReadOnly binds Src (a directory or a file of this machine) at Dst, read-only.
	ReadOnly MountKind = iota
	// ReadWrite binds Src at Dst, writable.
	ReadWrite
	// Tmpfs is an empty, private, writable directory at Dst that ends with the sandbox.
	Tmpfs
	// Devices is a minimal /dev at Dst: null, zero, full, random, urandom, tty, a private
	// pts and shm; no disk, no other terminal.
	Devices
	// Procfs is a /proc at Dst that shows the sandbox's own processes only.
	Procfs
	// Symlink creates a symbolic link at Dst pointing to Src.
	Symlink
	// HiddenFile puts an empty, read-only file over Dst: what lies there is not readable.
	HiddenFile
	// HiddenDir puts an empty, read-only directory over Dst.
	HiddenDir
)

// Mount is one entry of a sandbox's view. Why says in a few words why it is there; the
// layout's documentation and `amika sandbox list` come from it.
type Mount struct {
	Kind     MountKind
	Src, Dst string
	Why      string
}
