package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
)

// `clustermap user` end to end on a seeded database: the password comes from standard input, the
// token printed once authenticates, and disabling stops both the token and the password at once.
func TestUserCommandAddsTokensAndDisables(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	ed := edit.New(store, log)
	const password = "a long passphrase for pleiku"

	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
	}{
		{"unknown role", []string{"add", "x1", "--role", "mayor"}, password + "\n"},
		{"district role without a district", []string{"add", "x2", "--role", "district"}, password + "\n"},
		{"district that does not exist", []string{"add", "x3", "--role", "district", "--district", "999"}, password + "\n"},
		{"short password", []string{"add", "x4", "--role", "department"}, "short\n"},
		{"token of nobody", []string{"token", "nobody"}, ""},
		{"no name", []string{"add"}, ""},
	} {
		if err := runUser(ctx, store, tc.args, strings.NewReader(tc.stdin), &bytes.Buffer{}, log); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}

	if err := runUser(ctx, store, []string{"add", "pleiku", "--role", "district", "--district", "622"},
		strings.NewReader(password+"\n"), &bytes.Buffer{}, log); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if _, p, _, err := ed.Login(ctx, "pleiku", password); err != nil || p.Role != "district" || p.District != "622" {
		t.Fatalf("login after add: %+v, %v", p, err)
	}
	var out bytes.Buffer
	if err := runUser(ctx, store, []string{"token", "pleiku"}, strings.NewReader(""), &out, log); err != nil {
		t.Fatalf("user token: %v", err)
	}
	token := strings.TrimSpace(out.String())
	if p, err := ed.TokenUser(ctx, token); err != nil || p.Name != "pleiku" {
		t.Fatalf("token %q does not authenticate: %+v, %v", token, p, err)
	}
	if err := runUser(ctx, store, []string{"disable", "pleiku"}, strings.NewReader(""), &bytes.Buffer{}, log); err != nil {
		t.Fatalf("user disable: %v", err)
	}
	if p, err := ed.TokenUser(ctx, token); err == nil {
		t.Errorf("a disabled user's token still authenticates: %+v", p)
	}
	if _, p, _, err := ed.Login(ctx, "pleiku", password); err == nil {
		t.Errorf("a disabled user can still sign in: %+v", p)
	}
}
