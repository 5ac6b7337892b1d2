# Frame
skip-to-content = Skip to content
language-switch-label = Language
footer-policies-label = Policies
footer-powered-by = Published with Charter
loading = Loading…

# Home page
home-title = Policies of { $organisation }
home-intro = Here you can read every policy we publish, in force now and in earlier versions, and see what changed and when.
home-documents-heading = Our policies
home-no-documents = No policies have been published yet.

# Errors
not-found-title = Page not found
not-found-body = There is no page at this address. It may have moved, or the link may be mistyped.
error-internal-title = Something went wrong
error-internal-body = We could not show this page because of an error on our side. Please try again in a moment.
error-request-title = This request could not be handled
error-request-body = The request was incomplete or malformed. Please go back and try again.
error-back-home = Back to the home page
