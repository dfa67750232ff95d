from dsar.cli import main

main()
