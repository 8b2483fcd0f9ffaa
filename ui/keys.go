package ui

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding of the app. The same bindings handle the keys
// and produce the footer and the full help, so the two cannot drift apart.
type KeyMap struct {
	// Global
	Stage        [6]key.Binding
	NextStage    key.Binding
	PrevStage    key.Binding
	Decisions    key.Binding
	Projects     key.Binding
	Export       key.Binding
	Help         key.Binding
	Quit         key.Binding
	ForceQuit    key.Binding
	Up           key.Binding
	Down         key.Binding
	PageUp       key.Binding
	PageDown     key.Binding
	Top          key.Binding
	Bottom       key.Binding
	Open         key.Binding
	Back         key.Binding
	Change       key.Binding
	Accept       key.Binding
	NeedEvidence key.Binding
	Block        key.Binding
	New          key.Binding
	Rename       key.Binding
	Delete       key.Binding
	AddSample    key.Binding
	Copy         key.Binding
	Audit        key.Binding
	// Forms
	NextField key.Binding
	PrevField key.Binding
	Submit    key.Binding
	Cancel    key.Binding
	Cycle     key.Binding
}

// DefaultKeyMap returns the bindings pgrollout ships with.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := KeyMap{
		NextStage:    b([]string{"tab"}, "tab", "next stage"),
		PrevStage:    b([]string{"shift+tab"}, "shift+tab", "previous stage"),
		Decisions:    b([]string{"d"}, "d", "decisions"),
		Projects:     b([]string{"p"}, "p", "projects"),
		Export:       b([]string{"x"}, "x", "export"),
		Help:         b([]string{"?"}, "?", "help"),
		Quit:         b([]string{"q"}, "q", "quit"),
		ForceQuit:    b([]string{"ctrl+c"}, "ctrl+c", "quit now"),
		Up:           b([]string{"k", "up"}, "↑/k", "up"),
		Down:         b([]string{"j", "down"}, "↓/j", "down"),
		PageUp:       b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:     b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:          b([]string{"g", "home"}, "g", "top"),
		Bottom:       b([]string{"G", "end"}, "G", "bottom"),
		Open:         b([]string{"enter"}, "enter", "open"),
		Back:         b([]string{"esc"}, "esc", "back"),
		Change:       b([]string{"c"}, "c", "change decision"),
		Accept:       b([]string{"a"}, "a", "accept"),
		NeedEvidence: b([]string{"e"}, "e", "needs evidence"),
		Block:        b([]string{"b"}, "b", "block/reject"),
		New:          b([]string{"n"}, "n", "new project"),
		Rename:       b([]string{"r"}, "r", "rename"),
		Delete:       b([]string{"D"}, "D", "delete"),
		AddSample:    b([]string{"s"}, "s", "add checkout sample"),
		Copy:         b([]string{"y"}, "y", "copy SQL"),
		Audit:        b([]string{"L"}, "L", "live audit"),
		NextField:    b([]string{"tab", "down"}, "tab", "next field"),
		PrevField:    b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
		Submit:       b([]string{"enter"}, "enter", "save"),
		Cancel:       b([]string{"esc"}, "esc", "cancel"),
		Cycle:        b([]string{"left", "right", "h", "l", "space"}, "←/→", "change state"),
	}
	for i := range k.Stage {
		n := string(rune('1' + i))
		k.Stage[i] = b([]string{n}, "1-6", "go to stage")
	}
	return k
}
