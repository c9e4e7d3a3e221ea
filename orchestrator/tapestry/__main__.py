from tapestry.cli.app import main

main()
