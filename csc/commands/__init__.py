"""One module per `csc` subcommand; each has `register(subparsers)` and its handler."""
