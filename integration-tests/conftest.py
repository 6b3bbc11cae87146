"""Shared fixtures for the integration tests: the Docker client, the images under test, the repo root."""

import os
import pathlib

import docker
import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope='session')
def docker_client():
    client = docker.from_env()
    client.ping()
    return client


@pytest.fixture(scope='session')
def runtime_image():
    """The runtime image `make build` produced (the Makefile exports its name)."""
    return os.environ.get('RUNTIME_IMAGE', 'python-compat/runtime:latest')


@pytest.fixture(scope='session')
def base_image():
    return os.environ.get('BASE_IMAGE', 'python-compat/base:latest')
