package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

const userUsage = `usage:
  clustermap user add NAME --role commune|department|admin|district [--commune CODE] [--province CODE] [--district CODE]
                                                                               (password on standard input)
  clustermap user token NAME                                                   (prints a new API token once)
  clustermap user disable NAME                                                 (revokes its sessions and tokens)`

// runUser is `clustermap user …`: accounts of the zoning workspace. The password is read from
// standard input (first line), never from a flag, so it stays out of shell history and ps.
func runUser(ctx context.Context, store *geo.Store, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) < 2 {
		return errors.New(userUsage)
	}
	ed := edit.New(store, log)
	cmd, name := args[0], args[1]
	switch cmd {
	case "add":
		fl := flag.NewFlagSet("user add", flag.ContinueOnError)
		role := fl.String("role", "", "commune, department, admin, or district (a pre-2025 district office)")
		commune := fl.String("commune", "", "code of a commune or ward valid today (commune users)")
		province := fl.String("province", "", "code of a province valid today (a department user bound to one province)")
		district := fl.String("district", "", "GSO code of a pre-2025 district (district users: records made before the reform)")
		if err := fl.Parse(args[2:]); err != nil {
			return err
		}
		if fl.NArg() > 0 {
			return errors.New(userUsage)
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		scope := edit.Scope{District: *district, Commune: *commune, Province: *province}
		if err := ed.AddScopedUser(ctx, name, *role, scope, strings.TrimRight(line, "\r\n")); err != nil {
			return fmt.Errorf("user add %s: %w", name, err)
		}
		log.Info("user added", "user", name, "role", *role, "district", *district, "commune", *commune, "province", *province)
		if *role == edit.RoleDistrict {
			log.Warn("district-level units were abolished on 1 July 2025: a district account is for the records made before the reform; new accounts are commune or department accounts")
		}
		return nil
	case "token":
		if len(args) != 2 {
			return errors.New(userUsage)
		}
		tok, err := ed.NewToken(ctx, name)
		if err != nil {
			return fmt.Errorf("user token %s: %w", name, err)
		}
		log.Info("token issued", "user", name)
		_, err = fmt.Fprintln(stdout, tok)
		return err
	case "disable":
		if len(args) != 2 {
			return errors.New(userUsage)
		}
		if err := ed.DisableUser(ctx, name); err != nil {
			return fmt.Errorf("user disable %s: %w", name, err)
		}
		log.Info("user disabled", "user", name)
		return nil
	}
	return errors.New(userUsage)
}
