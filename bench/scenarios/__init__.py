"""One module per benchmark scenario; each has ``main(argv)`` (run by ``python -m bench``)."""
