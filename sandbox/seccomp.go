package sandbox

import (
	"encoding/binary"
	"runtime"
)

// A process that shares the caller's terminal can push characters into its input queue
// (ioctl TIOCSTI), and the caller's shell reads them as typed once the sandbox ends: a
// command run on this machine, outside. TIOCLINUX can do the same on a virtual console.
// ttyFilter is a seccomp program that makes both fail with EPERM and allows everything
// else, as Flatpak does, so the command keeps the terminal (and job control); where no
// program is known for the architecture, the engine starts the command in a new session
// instead (no controlling terminal, which TIOCSTI needs).
//
// The program is classic BPF over struct seccomp_data: nr at offset 0, arch at 4, the
// arguments from 16, eight bytes each. Only the low 32 bits of the request are compared,
// as the kernel reads an ioctl request as a 32-bit number.
func ttyFilter() []byte {
	type abi struct{ arch, ioctl uint32 }
	var abis []abi
	switch runtime.GOARCH {
	case "amd64":
		abis = []abi{{auditArchX8664, 16}, {auditArchX8664, x32Bit | 514}, {auditArchI386, 54}}
	case "386":
		abis = []abi{{auditArchI386, 54}}
	case "arm64":
		abis = []abi{{auditArchAArch64, 29}, {auditArchARM, 54}}
	case "riscv64":
		abis = []abi{{auditArchRISCV64, 29}}
	default:
		return nil
	}
	const (
		ldAbs   = 0x20 // BPF_LD | BPF_W | BPF_ABS
		jeqK    = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
		retK    = 0x06 // BPF_RET | BPF_K
		allow   = 0x7fff0000
		eperm   = 0x00050000 | 1 // SECCOMP_RET_ERRNO | EPERM
		offNr   = 0
		offArch = 4
		offArg1 = 16 + 8 // args[1], low half on a little-endian machine
	)
	type insn struct {
		code   uint16
		jt, jf uint8
		k      uint32
	}
	// Layout: for each ABI, "load arch; if not this arch skip 2; load nr; if ioctl goto
	// check"; then "allow"; then check: "load request; if TIOCSTI deny; if TIOCLINUX deny;
	// allow"; then deny.
	n := len(abis)
	prog := make([]insn, 0, 4*n+6)
	check := 4*n + 1 // index of the first check instruction
	for i, a := range abis {
		at := 4 * i
		prog = append(prog,
			insn{ldAbs, 0, 0, offArch},
			insn{jeqK, 0, 2, a.arch},
			insn{ldAbs, 0, 0, offNr},
			insn{jeqK, uint8(check - (at + 3) - 1), 0, a.ioctl},
		)
	}
	prog = append(prog, insn{retK, 0, 0, allow})
	deny := check + 4
	prog = append(prog,
		insn{ldAbs, 0, 0, offArg1},
		insn{jeqK, uint8(deny - (check + 1) - 1), 0, tiocsti},
		insn{jeqK, uint8(deny - (check + 2) - 1), 0, tioclinux},
		insn{retK, 0, 0, allow},
		insn{retK, 0, 0, eperm},
	)
	out := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		out = binary.NativeEndian.AppendUint16(out, in.code)
		out = append(out, in.jt, in.jf)
		out = binary.NativeEndian.AppendUint32(out, in.k)
	}
	return out
}

const (
	auditArchX8664   = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAArch64 = 0xc00000b7
	auditArchARM     = 0x40000028
	auditArchRISCV64 = 0xc00000f3
	x32Bit           = 0x40000000
	tiocsti          = 0x5412
	tioclinux        = 0x541c
)
