from shared.entrypoint import serve

serve("web", default_port=8000)
