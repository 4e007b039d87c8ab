"""The weather API on AWS Lambda behind an API Gateway HTTP API (payload format 2.0): the handler
`webapp.weather_api.aws_lambda.handler` of deploy/weather-api.yaml.

apig-wsgi turns each event into a WSGI request for the same Flask app that gunicorn serves. Lambda imports this
module once per execution environment and then sends it request after request, so the app is built here, at
import: its discovery document, signing keys and verified tokens stay cached across invocations, and a bad
configuration fails the environment's start instead of a request.
"""

from apig_wsgi import make_lambda_handler

from webapp.weather_api import create_app

handler = make_lambda_handler(create_app())
