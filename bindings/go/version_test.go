package sts

import (
	"os"
	"regexp"
	"testing"
)

// One version: this package's Version is Cargo.toml's and the loaded libsts's.
func TestVersionIsCargos(t *testing.T) {
	text, err := os.ReadFile(repoFile(t, "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(text)
	if m == nil {
		t.Fatal("Cargo.toml: no version line")
	}
	if string(m[1]) != Version {
		t.Fatalf("Version = %q, Cargo.toml says %q: update version.go", Version, m[1])
	}
	if got := LibraryVersion(); got != Version {
		t.Fatalf("LibraryVersion() = %q, Version = %q: built against another libsts", got, Version)
	}
}
