"""The source roots platform/ and graphql/ must never shadow the standard library or graphql-core."""

import importlib


def test_stdlib_platform_is_the_real_module():
    platform = importlib.import_module("platform")
    assert platform.__file__ and "site-packages" not in platform.__file__
    assert platform.system() in {"Linux", "Darwin", "Windows"}
    assert callable(platform.python_version)


def test_graphql_core_is_the_real_library():
    graphql = importlib.import_module("graphql")
    assert hasattr(graphql, "graphql_sync") and hasattr(graphql, "build_schema")
    assert graphql.__file__ and "site-packages" in graphql.__file__


def test_boto3_and_graphene_import():
    import boto3
    import graphene

    assert boto3.session.Session().client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    assert graphene.Schema
