package sts

// What the core says about itself, read from the repository (include/sts.h, src/) and checked
// against the library: the reference the drift tests compare this binding with.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// repoFile is a file of this repository; the tests run in bindings/go.
func repoFile(t *testing.T, parts ...string) string {
	t.Helper()
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// headerCodes parses `typedef enum StsCode { NAME = N, ... }` in include/sts.h.
func headerCodes(t *testing.T) map[string]int {
	t.Helper()
	text, err := os.ReadFile(repoFile(t, "include", "sts.h"))
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)typedef enum StsCode \{(.*?)\} StsCode;`).FindSubmatch(text)
	if body == nil {
		t.Fatal("include/sts.h: no `typedef enum StsCode { ... } StsCode;`")
	}
	// Doc comments may mention names too: drop them before reading the enumerators.
	code := regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`).ReplaceAll(body[1], nil)
	codes := map[string]int{}
	for _, m := range regexp.MustCompile(`\b(STS_[A-Z0-9_]+)\s*=\s*([0-9]+)\s*,?`).FindAllSubmatch(code, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		codes[string(m[1])] = n
	}
	// Every enumerator must have been read: an entry without `= N` would be missed above.
	if entries := strings.Count(string(code), "STS_"); entries != len(codes) || len(codes) == 0 {
		t.Fatalf("include/sts.h: read %d codes out of %d enumerators: %s", len(codes), entries, code)
	}
	return codes
}

// checkConfig runs sts_check_config on a config and returns its code and error message.
func checkConfig(t *testing.T, config string) (StsCode, string) {
	t.Helper()
	code, answer := callC(opCheckConfig, config)
	if code == StsOK {
		return code, ""
	}
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(answer), &e); err != nil {
		t.Fatalf("sts_check_config(%s): unreadable answer %q", config, answer)
	}
	return code, e.Error.Message
}

// coreKeys returns the core's config keys, canonical name -> aliases.
//
// The core exports no list of its keys, and a copy here would be the very drift this is meant
// to catch, so the list comes from the one table in src/ (`const KEYS`, entries
// `("canonical", &["alias", ...])`). Parsing source could silently miss entries if the table's
// layout changed, so the result is held against the table's every string literal (none may be
// left unread), and against the library itself: each name must be known to sts_check_config,
// each alias must be the same key as its canonical name ("given twice"), and an invented key
// must come back unknown (so the probe can tell the difference at all).
func coreKeys(t *testing.T) map[string][]string {
	t.Helper()
	return coreTable(t, "KEYS", 10, func(key string) (string, string) {
		k, _ := json.Marshal(key)
		return "{" + string(k) + ":null}", key + ": unknown config key"
	}, func(canonical, alias string) (string, []string) {
		return `{"` + canonical + `":null,"` + alias + `":null}`, []string{alias + ": given twice"}
	})
}

// sectionKeys is coreKeys for the keys of a nested object (`upload`, `cache`), whose table in
// src/ is `const TABLE`; wrap puts that object's JSON text into a whole config.
func sectionKeys(t *testing.T, table, section string, wrap func(object string) string) map[string][]string {
	t.Helper()
	return coreTable(t, table, 2, func(key string) (string, string) {
		k, _ := json.Marshal(key)
		return wrap("{" + string(k) + ":null}"), section + "." + key + ": unknown key"
	}, func(canonical, alias string) (string, []string) {
		// Inside a nested object the core sees the keys in sorted order: either may be second.
		return wrap(`{"` + canonical + `":null,"` + alias + `":null}`),
			[]string{section + "." + alias + ": given twice", section + "." + canonical + ": given twice"}
	})
}

// coreTable reads `const NAME ... = &[...];` from src/ (at least min entries) and confirms it
// with the library: unknown(key) gives a config and the message prefix that means "unknown";
// twice(canonical, alias) a config and the prefix that means "the same key given twice".
func coreTable(t *testing.T, name string, min int, unknown func(key string) (string, string), twice func(canonical, alias string) (string, []string)) map[string][]string {
	t.Helper()
	var tables [][]byte
	decl := regexp.MustCompile(`(?s)\bconst ` + name + `\b[^=]*=\s*&\[(.*?)\];`)
	err := filepath.Walk(repoFile(t, "src"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".rs") {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(text, -1) {
			tables = append(tables, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 {
		t.Fatalf("want exactly one `const %s` table in src/, found %d: update coreTable to the core's new layout", name, len(tables))
	}
	table := regexp.MustCompile(`//[^\n]*`).ReplaceAll(tables[0], nil)
	keys := map[string][]string{}
	read := 0
	entry := regexp.MustCompile(`\(\s*"([^"]+)"\s*,\s*&\[([^\]]*)\]\s*,?\s*\)`)
	literal := regexp.MustCompile(`"([^"\\]*)"`)
	for _, m := range entry.FindAllSubmatch(table, -1) {
		aliases := []string{}
		for _, a := range literal.FindAllSubmatch(m[2], -1) {
			aliases = append(aliases, string(a[1]))
		}
		keys[string(m[1])] = aliases
		read += 1 + len(aliases)
	}
	if all := len(literal.FindAll(table, -1)); all != read || len(keys) < min {
		t.Fatalf("src %s table: read %d names in %d entries, but it holds %d string literals: update coreTable", name, read, len(keys), all)
	}
	known := func(key string) bool {
		config, prefix := unknown(key)
		code, msg := checkConfig(t, config)
		if code != StsInvalidArgument {
			t.Fatalf("sts_check_config(%s) = %v, want STS_INVALID_ARGUMENT", config, code)
		}
		return !strings.HasPrefix(msg, prefix)
	}
	if known("no_such_key_EXAMPLE") {
		t.Fatalf("sts_check_config does not refuse an unknown key of %s: the probe cannot work", name)
	}
	for canonical, aliases := range keys {
		if !known(canonical) {
			t.Fatalf("src %s names %q, which sts_check_config does not know", name, canonical)
		}
		for _, alias := range aliases {
			config, prefixes := twice(canonical, alias)
			_, msg := checkConfig(t, config)
			same := false
			for _, prefix := range prefixes {
				same = same || strings.HasPrefix(msg, prefix)
			}
			if !same {
				t.Fatalf("src %s says %q is an alias of %q; sts_check_config says %q", name, alias, canonical, msg)
			}
		}
	}
	return keys
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
