"""Powertools Logger, Tracer and Metrics shared by every module of a function."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
