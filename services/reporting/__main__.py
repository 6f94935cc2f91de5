from shared.entrypoint import serve

serve("reporting", default_port=8003)
