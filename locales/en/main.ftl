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
error-session-ended = Your session has ended. Sign in again to continue; nothing you saved is lost.
error-forbidden-title = Not allowed
error-forbidden-body = Your role does not allow this. Ask an admin if you need it.
error-back-home = Back to the home page

# Feeds
feed-site-title = All policy changes
feed-document-title = Changes to { $title }

# Policy pages
policy-last-updated = Last updated
policy-effective = Effective
policy-version = Version
policy-links-label = This policy elsewhere
policy-history = All versions
policy-markdown = Markdown
policy-feed = Atom feed
policy-contents = Contents
policy-not-yet-in-effect = This policy has been published but is not in effect yet.
translation-missing = This policy is not available in your language yet. You are reading the English version.
upcoming-heading = A change to this policy is coming
upcoming-takes-effect = A new version takes effect on
upcoming-in-days = { $days ->
    [one] in 1 day
   *[other] in { $days } days
}
upcoming-read = Read the new version
upcoming-compare = See what changes
revision-is-current = This is the version in effect now.
revision-is-upcoming = This version is not in effect yet. It takes effect on
revision-is-superseded = This version has been replaced and is no longer in effect.
read-current-version = Read the current version.
version-number = Version { $number }
class-editorial = editorial change
class-material = material change
status-current = in effect
status-upcoming = upcoming
status-superseded = superseded

# History
history-page-title = Version history: { $title }
history-heading = Version history
history-version = Version
history-published = Published
history-effective = Effective
history-class = Kind of change
history-summary = Summary

# Dates
date-long = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

# Comparisons
history-changes = Changes
history-compare-previous = Compare with previous
compare-heading = Compare two versions
compare-from = From
compare-to = to
compare-submit = Compare
diff-page-title = { $title }: changes from version { $before } to { $after }
diff-heading = Changes to { $title }
diff-summary-heading = Summary
diff-class-identical = Identical.
diff-class-identical-explanation = Both versions have exactly the same text.
diff-class-whitespace-only = Whitespace only.
diff-class-whitespace-only-explanation = Only spacing or Markdown layout changed; every sentence reads the same.
diff-class-links-only = Links only.
diff-class-links-only-explanation = The words are the same; some links now point elsewhere.
diff-class-editorial = Small edit.
diff-class-editorial-explanation = A few words changed.
diff-class-substantive = Substantive change.
diff-class-substantive-explanation = Text was added, removed or moved.
diff-identical-body = There is nothing to show: the two versions are identical.
diff-words-added = { $count ->
    [one] 1 word added
   *[other] { $count } words added
}
diff-words-removed = { $count ->
    [one] 1 word removed
   *[other] { $count } words removed
}
diff-words-moved = { $count ->
    [one] 1 word moved
   *[other] { $count } words moved
}
diff-before = Before: version { $number }
diff-after = After: version { $number }
diff-sections-heading = Sections changed
diff-section-start = Beginning of the document
diff-links-heading = Links that point elsewhere now
diff-link-text = Link
diff-link-before = Before
diff-link-after = After
diff-views-label = Ways to show the changes
diff-view-inline = Inline
diff-view-side-by-side = Side by side
diff-view-changes = Changed sections only
diff-download = Download as .diff
diff-keys = Press n for the next change and p for the previous one.
diff-column-before = Before
diff-column-after = After
diff-unchanged-section = { $count ->
    [one] 1 unchanged block: show
   *[other] { $count } unchanged blocks: show
}
diff-label-changed = Changed
diff-label-added = Added
diff-label-removed = Removed
diff-label-relinked = Link changed
diff-label-moved-to = Moved to “{ $section }”
diff-label-moved-from = Moved here from “{ $section }”
error-no-such-revision = This document has no version { $number } in this language. Its latest version is { $latest }.
error-bad-range = A comparison address names two version numbers, such as /policies/privacy/diff/2..3.

# Consent
consent-banner-heading = Cookies on this site
consent-banner-body = We use cookies that are strictly necessary for the site to work. With your consent we also use cookies for the purposes below. You can change or withdraw your choice at any time under “Cookie settings”.
consent-accept-all = Accept all
consent-reject-all = Reject all
consent-customise = Customise
consent-cookie-policy = Cookie Policy
consent-privacy-policy = Privacy Policy
consent-categories = Choose per category
consent-always-on = (always on)
consent-third-party = third party
consent-save = Save my choices
consent-failed = Your choice could not be saved. Please try again.
consent-reason-changed = The cookies we use have changed since you last chose, so we ask again.
consent-reason-see-changes = See what changed.
consent-reason-expired = Your last choice has expired, so we ask again.
footer-cookie-settings = Cookie settings
settings-title = Cookie settings
settings-chosen-on = You made your choice on
settings-allowed = Allowed:
settings-no-choice = You have not made a choice yet. Nothing but strictly necessary cookies is used until you do.
settings-withdraw-explained = Withdrawing is as easy as consenting: one click refuses every optional category and removes their cookies.
settings-withdraw = Withdraw all consent
settings-receipts-link = See the record of your choices
receipts-title = Your consent records
receipts-intro = Every choice made in this browser, as we recorded it. Each record is a numbered entry of our signed evidence log, so none can be altered or removed unnoticed. Its bundle holds the record, the texts you were shown and the proof that the log contains it: anyone can check it without us (see /.well-known/charter-log.pub for our public key).
receipts-entry = Log entry
receipts-bundle = Bundle
receipts-bundle-label = Evidence bundle of entry { $index }
receipts-none = We have no record of a choice made in this browser.
receipts-when = When
receipts-action = Action
receipts-method = How
receipts-choices = Choices
receipts-hash = Record hash
receipts-download = Download as JSON
cookie-table-heading = The cookies we use
cookie-table-intro-then = The cookies this revision describes: those of the cookie inventory in force on
cookie-table-intro = This list is generated from the same inventory the cookie banner asks about, so it is always current.
cookie-table-none = No cookies in this category at present.
cookie-table-service = Service
cookie-table-provider = Provider
cookie-table-purpose = Purpose
cookie-table-duration = Duration
cookie-table-cookies = Cookies
cookie-table-party = Set by
cookie-table-first = this site
cookie-table-third = a third party
consent-gpc-honoured = Opt-out preference signal honored: your browser sent a Global Privacy Control signal, so we treat it as a refusal of

# Admin area
admin-sign-in-title = Sign in
admin-email = Email address
admin-password = Password
admin-sign-in = Sign in
admin-refused = The email address or the password is wrong.
admin-throttled = Too many failed sign-ins. Try again in { $minutes } minutes.
admin-address-too-long = That email address is too long: an address has at most 254 characters.
admin-signed-out = You have signed out.
admin-home-title = Admin
admin-signed-in-as = Signed in as { $email } ({ $role }).
admin-sign-out = Sign out
admin-sign-out-everywhere = Sign out everywhere
admin-audit-title = Recent activity
admin-audit-when = When
admin-audit-who = Who
admin-audit-action = Action
admin-audit-object = Object
admin-audit-from = From

admin-documents = Documents and drafts

editor-documents-title = Documents
editor-document = Document
editor-no-revision = No version yet
editor-latest = Version { $number }
editor-draft-exists = Draft saved
editor-published = Published { $what }.
editor-title = { $title } ({ $locale })
editor-source = Markdown text
editor-save = Save draft and preview
editor-saved = Draft saved
editor-not-drafted = Not changed yet: this is the latest version's text.
editor-unsaved = Unsaved changes…
editor-saving = Saving…
editor-save-failed = Not saved:
editor-no-answer = The server did not answer; your text is still here.
editor-draft-saved = The draft is saved; the preview shows it.
editor-stale = This draft was started from version { $base }, but version { $latest } has been published since. Compare before publishing.
editor-compare = Compare with the latest version
editor-compare-title = { $title }: draft compared with version { $latest }
editor-preview = Preview
editor-publish-title = Publish this draft
editor-class-editorial = Editorial: wording or formatting only; takes effect at once
editor-class-material = Material: changes what the policy means; takes effect after the notice period
editor-summary = Summary of what changes (required for a material change)
editor-effective = Takes effect on (material changes)
editor-notice-hint = The notice period is { $days } days: a material change published now may take effect on { $earliest } at the earliest.
editor-confirm-missing-locales = Publish in this language only, without the other languages
editor-publish = Publish
editor-error-too-large = The text has { $size } bytes; a version may have at most 1 MiB.
editor-error-empty = The text is empty; write the policy before publishing.
editor-error-no-draft = There is no saved draft to publish.
editor-error-bad-date = “{ $date }” is not a date; give the day the change takes effect.
editor-error-missing-summary = A material change needs a plain-language summary of what changes.
editor-error-notice-too-short = A material change published now may take effect on { $earliest } at the earliest.
editor-error-missing-locales = This material change has no draft in { $locales }. Write those drafts first, or confirm publishing in this language only.

admin-settings-title = Settings
admin-settings-notice-days = Notice period for material changes (days)
admin-settings-notice-days-hint = From { $min } to { $max } days. Material changes published from now on take effect no sooner.
admin-settings-notice-days-invalid = “{ $value }” is not a notice period; give a whole number of days from { $min } to { $max }.
admin-settings-saved = Settings saved.
admin-settings-save = Save settings

users-title = Users
users-role = Role
users-since = Since
users-actions = Actions
users-role-editor = Editor (writes drafts)
users-role-publisher = Publisher (publishes)
users-role-admin = Admin (users, settings, inventory)
users-change-role = Change role
users-remove = Remove
users-removed-on = Removed on
users-invite-title = Invite someone
users-invite = Send invitation
users-invited = { $email } is invited. Send them this link; it works once, for 72 hours.
users-invitation-link = Invitation link:
users-pending-title = Pending invitations
users-invited-by = Invited by
users-expires = Expires
users-revoke = Revoke
users-revoked = The invitation of { $email } is revoked; its link no longer works.
users-back = Back to the users
users-changed = The role of { $email } is changed.
users-removed = { $email } is removed and signed out everywhere.
users-error-bad-email = That is not an email address.
users-error-has-account = That address already has an account.
users-error-last-admin = That would leave no admin. Make someone else an admin first.
invitation-title = Join the admin area
invitation-intro = You are invited as { $email }, with the role { $role }.
invitation-expires = The invitation expires on
invitation-password = Choose a password (at least 12 characters)
invitation-password-again = The same password again
invitation-accept = Create my account
invitation-error-too-short = The password is too short: use at least 12 characters.
invitation-error-too-long = The password is too long: use at most 256 characters.
invitation-error-common = That password is too easy to guess. Choose another.
invitation-error-mismatch = The two passwords differ.

filter-any = Any
filter-from = From (day)
filter-to = To (day)
filter-apply = Filter

audit-log-title = Audit log
audit-log-all = The whole audit log
audit-log-detail = Detail
audit-log-older = Older entries
audit-log-none = No entries match this filter.

consent-records-title = Consent records
consent-records-action = Action
consent-records-method = Method
consent-records-totals = Totals
consent-records-count = { $count } consent events match this filter.
consent-records-category = Category
consent-records-allowed = Allowed
consent-records-refused = Refused
consent-records-export = Download these records:
consent-records-newest = Newest events
consent-records-subject = Subject
consent-records-choices = Choices
consent-records-locale = Language
consent-records-configuration = Configuration
consent-records-evidence = Evidence
consent-records-bundle = Bundle (JSON)

inventory-editor-title = Cookie inventory
inventory-in-force = In force: configuration { $version }.
inventory-see-policy = See the Cookie Policy’s table
inventory-draft-by = Draft saved by { $who } at { $when } (UTC).
inventory-source = Inventory (the file format of “charter inventory import”)
inventory-hint = Every category with its title and description, and every service with its provider, party, cookies, purpose and duration, in every language. “necessary” comes first and is always on.
inventory-save = Save draft and review
inventory-review-title = Review of the draft
inventory-invalid = This draft cannot be put in force: { $error }
inventory-unchanged = This draft is the inventory in force; putting it in force changes nothing.
inventory-material = Putting this draft in force changes the consent configuration (new version { $version }): every visitor will be asked for consent again.
inventory-confirm = I understand that every visitor will be asked for consent again.
inventory-activate = Put in force
inventory-discard = Discard the draft
inventory-saved = Draft saved. Review it below before putting it in force.
inventory-activated = The new inventory is in force (configuration { $version }). Visitors are asked again.
inventory-discarded = Draft discarded; the inventory in force is unchanged.
inventory-error-too-large = The inventory is { $size } bytes; at most { $max } bytes are accepted.
inventory-error-not-confirmed = Confirm that every visitor will be asked again, then put the draft in force.
inventory-error-draft-changed = The draft changed since you reviewed it. Review it again below.
inventory-error-no-draft = There is no draft to put in force.
inventory-error-invalid = The draft is not valid; correct it first.
inventory-change-category-added = New category “{ $category }”
inventory-change-category-removed = Category “{ $category }” removed
inventory-change-category-changed = Category “{ $category }”: { $fields } changed
inventory-change-service-added = New service “{ $service }” in “{ $category }”
inventory-change-service-removed = Service “{ $service }” removed from “{ $category }”
inventory-change-service-changed = Service “{ $service }” in “{ $category }”: { $fields } changed
inventory-change-reordered = Categories or services in another order

recipients-title = Notice recipients
recipients-file = CSV file of account holders
recipients-hint = Columns email, name and locale (en or de; empty means en), with a first line naming them. Addresses already here are updated, not duplicated.
recipients-import = Import
recipients-imported = Imported: { $added } added, { $updated } updated, { $unchanged } unchanged.
recipients-invalid = { $count } rows were not imported; correct them and import the file again:
recipients-error-no-file = Choose a CSV file to import.
recipients-error-unreadable = The file was not imported: { $reason }
recipients-latest = Latest changed
recipients-total = { $count } recipients in all.
recipients-name = Name
recipients-updated = Changed

home-upcoming-heading = Upcoming changes
home-upcoming-from = new version in effect from

notice-email-subject = { $organisation }: our { $document } changes on { $date }
notice-email-greeting = Hello { $name },
notice-email-greeting-anonymous = Hello,
notice-email-intro = we are changing our { $document }. The new version takes effect on { $date } (UTC); until then the current version applies.
notice-email-summary = What changes, in brief
notice-email-other-language = The new version is not available in your language yet; the links lead to the text as published.
notice-email-compare = See exactly what changes:
notice-email-read = Read the new version:
notice-email-reason = You receive this notice because you hold an account with { $organisation }: we tell every account holder about material changes to our terms and policies before they take effect.

notices-title = Change notices
notices-intro = One campaign per material change: every recipient is emailed before the change takes effect. Failed messages were refused by the mail server; queue them again once the cause is fixed.
notices-none = No material change has been published yet, so no notices were sent.
notices-document = Document (language, version)
notices-effective = Takes effect
notices-queued-at = Queued
notices-state = State
notices-state-queued = Waiting
notices-state-sent = Sent
notices-state-failed = Failed
notices-campaign-title = Notice campaign
notices-attempts = Attempts
notices-when = Sent or next attempt
notices-last-error = Last reply from the mail server
notices-retry = Queue the { $count } failed messages again
notices-retried = { $count } failed messages are queued again.
notices-more = More recipients

footer-subscribe = Email me about changes
subscribe-title = Email me when the policies change
subscribe-intro = We send one message per material change, before it takes effect, with a summary and a link to what changed. You confirm your address first, and every message has a link to unsubscribe.
subscribe-email = Your email address
subscribe-which = Which policies
subscribe-scope-all = all our policies
subscribe-scope-one = “{ $document }”
subscribe-submit = Subscribe
subscribe-privacy = We use this address only for these notices and keep it until you unsubscribe.
subscribe-sent = Check your inbox: we sent a link to confirm your subscription. It works for { $hours } hours; until you confirm, we send nothing else.
subscribe-error-email = That is not an email address we could write to; check it and try again.
subscribe-error-scope = Choose all our policies or one of them.
subscribe-confirm-title = Confirm your subscription
subscribe-confirm-ask = Confirm that { $email } should be told about changes to { $scope }.
subscribe-confirm-button = Confirm subscription
subscribe-confirmed = Subscribed: { $email } will be told about changes to { $scope }.
subscribe-expired = This confirmation link has expired: links work for { $hours } hours. Subscribe again to get a new one.
subscribe-again = Subscribe again
subscribe-unsubscribed = { $email } will no longer be told about changes to { $scope }.
subscribe-unsubscribe-title = Unsubscribe from change notices
subscribe-unsubscribe-ask = Stop telling { $email } about changes to { $scope }?
subscribe-unsubscribe-button = Unsubscribe
subscribe-email-subject = { $organisation }: confirm your subscription to policy changes
subscribe-email-body = Someone, hopefully you, asked us to email this address about changes to { $scope }. To confirm, open this link within { $hours } hours and press the button:
subscribe-email-ignore = If it was not you, ignore this message: we will not write to you again.
notice-email-reason-subscriber = You receive this notice because you subscribed to changes to { $scope } at { $organisation }.
notice-email-unsubscribe = Unsubscribe with one click:

admin-sites-title = Sites
admin-sites-intro = The company's other sites show the same consent banner with one script tag. Register each site's origin here: the consent API answers only registered origins, and every choice records the site and page it was made on.
admin-sites-snippet = The tag for a site's pages
admin-sites-origin = Origin
admin-sites-origin-hint = scheme://host[:port], e.g. https://www.example.com, or https://*.example.com for every subdomain.
admin-sites-model = Consent model
admin-sites-model-opt-in = Opt-in: ask before any optional cookie (EU)
admin-sites-model-opt-out = Opt-out: optional cookies on until the visitor opts out, with a “Your Privacy Choices” link (US)
admin-sites-added-by = Registered
admin-sites-add = Register site
admin-sites-remove = Remove
admin-sites-added = { $origin } is registered.
admin-sites-removed = { $origin } was removed; its recorded choices are kept.
admin-sites-already = { $origin } is registered already.
admin-sites-bad-origin = “{ $value }” is not an origin: write scheme://host[:port] with http or https and nothing after the host.
embed-settings-heading = Cookie settings
embed-close = Close
embed-gpc-honoured = Opt-out preference signal honored
embed-privacy-choices = Your Privacy Choices
embed-blocked = This content is blocked until you allow cookies for: { $category }
embed-allow = Allow
embed-reload-notice = You withdrew consent. The page reloads to stop what was running.
embed-reload-now = Reload now
