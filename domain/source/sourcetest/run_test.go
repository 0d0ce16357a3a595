package sourcetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpdateWritesAndStillFails holds -update to its promise: a changed answer is written and reported, never
// passed by comparing the new file with itself; an unchanged one passes untouched.
func TestUpdateWritesAndStillFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden", "body.json")
	if err := CheckGolden(path, []byte("new\n"), false); err == nil {
		t.Fatal("a missing golden file passed")
	}
	err := CheckGolden(path, []byte("new\n"), true)
	if err == nil || !strings.Contains(err.Error(), "wrote") {
		t.Fatalf("update of a missing file: %v, want it written and reported", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Fatalf("file holds %q after update", b)
	}
	if err := CheckGolden(path, []byte("newer\n"), false); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("a changed answer without update: %v", err)
	}
	if err := CheckGolden(path, []byte("newer\n"), true); err == nil {
		t.Fatal("update of a changed answer passed")
	}
	if err := CheckGolden(path, []byte("newer\n"), true); err != nil {
		t.Fatalf("update of an unchanged answer: %v", err)
	}
	if err := CheckGolden(path, []byte("newer\n"), false); err != nil {
		t.Fatalf("unchanged answer: %v", err)
	}
}
