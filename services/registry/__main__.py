from shared.entrypoint import serve

serve("registry", default_port=8001)
