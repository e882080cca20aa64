//go:build !linux

package sandbox

import "errors"

// errUnsupported is every engine call's error off Linux.
var errUnsupported = errors.New("local sandboxes need Linux (bubblewrap); here, amika run starts a command with its secrets but without isolation")

type unsupported struct{}

// NewEngine returns the engine for this machine: none off Linux.
func NewEngine(func(string) string) Engine { return unsupported{} }

func (unsupported) Name() string           { return "none" }
func (unsupported) Check() error           { return errUnsupported }
func (unsupported) Run(*Plan) (int, error) { return 0, errUnsupported }
