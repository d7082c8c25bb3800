// Command external-secrets is ESO's controller binary, built through this wrapper module because
// `go install pkg@version` refuses a module whose go.mod has a replace directive.
package main

import "github.com/external-secrets/external-secrets/cmd/controller"

func main() { controller.Execute() }
