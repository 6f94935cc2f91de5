from shared.entrypoint import serve

serve("supplychain", default_port=8002)
