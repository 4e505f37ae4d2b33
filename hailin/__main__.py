from hailin.cli import main

main()
