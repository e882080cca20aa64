package shellinit

import (
	"embed"
	"errors"
	"io"
)

//go:embed complete.bash complete.zsh complete.fish
var completeScripts embed.FS

// WriteCompletionLoader prints a stand-in for amika's completions in sh: at the first Tab it
// loads what `amika completion SHELL` prints (through $_amika_bin, which every init output
// sets) and completes with it. A shell's start then does not parse the completion script,
// which is larger than the hook itself.
func WriteCompletionLoader(w io.Writer, sh Shell) error {
	data, err := completeScripts.ReadFile("complete." + string(sh))
	if err != nil {
		return errors.New("no completions for this shell (supported: bash, zsh, fish)")
	}
	_, err = w.Write(data)
	return err
}
