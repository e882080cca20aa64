package sandbox

import "testing"

func TestTTYFilterShape(t *testing.T) {
	prog := ttyFilter()
	if prog == nil {
		t.Skip("no filter for this architecture")
	}
	if len(prog)%8 != 0 || len(prog)/8 > 64 {
		t.Fatalf("filter of %d bytes", len(prog))
	}
	// every jump lands inside the program
	n := len(prog) / 8
	for i := 0; i < n; i++ {
		code := uint16(prog[8*i]) | uint16(prog[8*i+1])<<8
		if code == bpfJeqK && (i+1+int(prog[8*i+2]) >= n || i+1+int(prog[8*i+3]) >= n) {
			t.Errorf("instruction %d jumps out of the program", i)
		}
	}
	last := prog[len(prog)-8:]
	if code := uint16(last[0]) | uint16(last[1])<<8; code != bpfRetK {
		t.Errorf("the program does not end in a return")
	}
}
