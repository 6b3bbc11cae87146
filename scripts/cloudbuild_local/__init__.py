"""Runs a Cloud Build config (cloudbuild.yaml) on this machine: validate -> substitute -> plan -> run -> report.

Builder images cannot be pulled here, so known public builders map to host tools (see builders.py) and any other
step runs in a container of an image that an earlier step of the same build produced.
"""
