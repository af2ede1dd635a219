from verilogreader.cli import main

main()
