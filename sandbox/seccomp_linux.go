package sandbox

import (
	"encoding/binary"
	"runtime"
)

// The sandbox shares the user's terminal (an agent's interface lives there). On a kernel that
// still allows TIOCSTI (dev.tty.legacy_tiocsti=1), a process that can write to a terminal can
// also type into it: push "rm -rf ~\n" into the shell that runs once the sandbox exits.
// TIOCLINUX can paste the console's selection the same way. This seccomp filter, given to
// bubblewrap, makes both ioctls fail with EPERM and lets every other system call through.

// classic BPF
const (
	bpfLdWAbs = 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJeqK   = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	bpfRetK   = 0x06 // BPF_RET | BPF_K

	seccompRetAllow = 0x7fff0000
	seccompRetErrno = 0x00050000
	eperm           = 1

	offNr    = 0  // seccomp_data.nr
	offArch  = 4  // seccomp_data.arch
	offArg1  = 24 // seccomp_data.args[1], its low 32 bits (little-endian)
	tiocsti  = 0x5412
	tioclnux = 0x541c

	auditArchX8664   = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAarch64 = 0xc00000b7
	auditArchArm     = 0x40000028

	x32Bit = 0x40000000
)

type bpfInsn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// ioctlNumbers lists, for the architectures a process of this one can call the kernel as,
// the system call numbers of ioctl.
func ioctlNumbers() map[uint32][]uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return map[uint32][]uint32{auditArchX8664: {16, x32Bit | 514}, auditArchI386: {54}}
	case "386":
		return map[uint32][]uint32{auditArchI386: {54}}
	case "arm64":
		return map[uint32][]uint32{auditArchAarch64: {29}, auditArchArm: {54}}
	case "arm":
		return map[uint32][]uint32{auditArchArm: {54}}
	}
	return nil
}

// ttyFilter is the seccomp program, in the byte order bubblewrap's --seccomp reads, or nil
// on an architecture it does not know.
func ttyFilter() []byte {
	nrs := ioctlNumbers()
	if nrs == nil {
		return nil
	}
	// Layout: for each architecture, "arch == A ? (nr in A's ioctls ? check : allow) : next";
	// unknown architectures are allowed; check tests the ioctl request.
	var prog []bpfInsn
	var toCheck []int // indexes of jumps to patch to the check
	for _, arch := range []uint32{auditArchX8664, auditArchAarch64, auditArchI386, auditArchArm} {
		list, ok := nrs[arch]
		if !ok {
			continue
		}
		// ld arch; jeq arch, 0, skip; ld nr; (jeq nr → check)…; ret allow
		skip := uint8(1 + len(list) + 1)
		prog = append(prog, bpfInsn{bpfLdWAbs, 0, 0, offArch}, bpfInsn{bpfJeqK, 0, skip, arch}, bpfInsn{bpfLdWAbs, 0, 0, offNr})
		for _, nr := range list {
			toCheck = append(toCheck, len(prog))
			prog = append(prog, bpfInsn{bpfJeqK, 0, 0, nr})
		}
		prog = append(prog, bpfInsn{bpfRetK, 0, 0, seccompRetAllow})
	}
	prog = append(prog, bpfInsn{bpfRetK, 0, 0, seccompRetAllow})
	check := len(prog)
	for _, i := range toCheck {
		prog[i].jt = uint8(check - i - 1)
	}
	prog = append(prog,
		bpfInsn{bpfLdWAbs, 0, 0, offArg1},
		bpfInsn{bpfJeqK, 2, 0, tiocsti},
		bpfInsn{bpfJeqK, 1, 0, tioclnux},
		bpfInsn{bpfRetK, 0, 0, seccompRetAllow},
		bpfInsn{bpfRetK, 0, 0, seccompRetErrno | eperm},
	)
	out := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		out = binary.NativeEndian.AppendUint16(out, in.code)
		out = append(out, in.jt, in.jf)
		out = binary.NativeEndian.AppendUint32(out, in.k)
	}
	return out
}
