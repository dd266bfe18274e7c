// Command compose loads compose files as `docker compose config` does, with the library
// Docker Compose itself is built on (github.com/compose-spec/compose-go/v2): the Compose
// Specification's schema, interpolation (a `${VAR:?message}` left unset is an error),
// the merge of later files over earlier ones, and the checks Compose makes before it
// starts anything (a service depending on one that does not exist, a volume or network
// never declared). It prints the project it resolved as JSON, or the error and exits 1.
//
//	go run . -env-file .env.example docker-compose.yml [docker-compose.override.yml...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", "", "the variables to interpolate, as `docker compose --env-file`")
	directory := flag.String("project-directory", ".", "the folder relative paths start from")
	flag.Parse()
	if flag.NArg() == 0 {
		fail("name at least one compose file")
	}
	options := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(*directory), cli.WithName("share-links")}
	if *envFile != "" {
		options = append(options, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	}
	project, err := cli.NewProjectOptions(flag.Args(), options...)
	if err != nil {
		fail("%v", err)
	}
	loaded, err := project.LoadProject(context.Background())
	if err != nil {
		fail("%v", err)
	}
	resolved, err := loaded.MarshalJSON()
	if err != nil {
		fail("%v", err)
	}
	fmt.Println(string(resolved))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compose: "+format+"\n", args...)
	os.Exit(1)
}
