# Rahmen
skip-to-content = Zum Inhalt springen
language-switch-label = Sprache
footer-policies-label = Richtlinien
footer-powered-by = Veröffentlicht mit Charter
loading = Wird geladen …

# Startseite
home-title = Richtlinien von { $organisation }
home-intro = Hier finden Sie alle Richtlinien, die wir veröffentlichen – die geltenden und frühere Fassungen – und sehen, was sich wann geändert hat.
home-documents-heading = Unsere Richtlinien
home-no-documents = Es wurden noch keine Richtlinien veröffentlicht.

# Fehler
not-found-title = Seite nicht gefunden
not-found-body = Unter dieser Adresse gibt es keine Seite. Vielleicht wurde sie verschoben, oder der Link enthält einen Tippfehler.
error-internal-title = Etwas ist schiefgelaufen
error-internal-body = Wegen eines Fehlers auf unserer Seite können wir diese Seite nicht anzeigen. Bitte versuchen Sie es gleich noch einmal.
error-request-title = Diese Anfrage konnte nicht bearbeitet werden
error-request-body = Die Anfrage war unvollständig oder fehlerhaft. Bitte gehen Sie zurück und versuchen Sie es erneut.
error-session-ended = Ihre Sitzung ist abgelaufen. Melden Sie sich erneut an; Gespeichertes bleibt erhalten.
error-forbidden-title = Nicht erlaubt
error-forbidden-body = Ihre Rolle erlaubt das nicht. Wenden Sie sich an eine Administratorin oder einen Administrator.
error-back-home = Zurück zur Startseite

# Feeds
feed-site-title = Alle Änderungen an Richtlinien
feed-document-title = Änderungen an { $title }

# Richtlinienseiten
policy-last-updated = Zuletzt aktualisiert
policy-effective = Gültig ab
policy-version = Fassung
policy-links-label = Diese Richtlinie in anderen Formaten
policy-history = Alle Fassungen
policy-markdown = Markdown
policy-feed = Atom-Feed
policy-contents = Inhalt
policy-not-yet-in-effect = Diese Richtlinie ist veröffentlicht, gilt aber noch nicht.
translation-missing = Diese Richtlinie gibt es noch nicht in Ihrer Sprache. Sie lesen die englische Fassung.
upcoming-heading = Diese Richtlinie ändert sich demnächst
upcoming-takes-effect = Eine neue Fassung gilt ab
upcoming-in-days = { $days ->
    [one] in 1 Tag
   *[other] in { $days } Tagen
}
upcoming-read = Neue Fassung lesen
upcoming-compare = Änderungen ansehen
revision-is-current = Dies ist die geltende Fassung.
revision-is-upcoming = Diese Fassung gilt noch nicht. Sie gilt ab
revision-is-superseded = Diese Fassung wurde ersetzt und gilt nicht mehr.
read-current-version = Zur geltenden Fassung.
version-number = Fassung { $number }
class-editorial = redaktionelle Änderung
class-material = wesentliche Änderung
status-current = gilt
status-upcoming = demnächst
status-superseded = ersetzt

# Versionsgeschichte
history-page-title = Versionsgeschichte: { $title }
history-heading = Versionsgeschichte
history-version = Fassung
history-published = Veröffentlicht
history-effective = Gültig ab
history-class = Art der Änderung
history-summary = Zusammenfassung

# Daten
date-long = { $day }. { $month } { $year }
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember

# Comparisons
history-changes = Änderungen
history-compare-previous = Mit vorheriger vergleichen
compare-heading = Zwei Versionen vergleichen
compare-from = Von
compare-to = bis
compare-submit = Vergleichen
diff-page-title = { $title }: Änderungen von Version { $before } zu { $after }
diff-heading = Änderungen an: { $title }
diff-summary-heading = Zusammenfassung
diff-class-identical = Identisch.
diff-class-identical-explanation = Beide Versionen haben genau denselben Text.
diff-class-whitespace-only = Nur Leerraum.
diff-class-whitespace-only-explanation = Nur Abstände oder Markdown-Layout wurden geändert; jeder Satz lautet gleich.
diff-class-links-only = Nur Links.
diff-class-links-only-explanation = Die Wörter sind gleich; einige Links zeigen jetzt auf andere Ziele.
diff-class-editorial = Kleine Änderung.
diff-class-editorial-explanation = Einige Wörter wurden geändert.
diff-class-substantive = Inhaltliche Änderung.
diff-class-substantive-explanation = Text wurde hinzugefügt, entfernt oder verschoben.
diff-identical-body = Es gibt nichts zu zeigen: Die beiden Versionen sind identisch.
diff-words-added = { $count ->
    [one] 1 Wort hinzugefügt
   *[other] { $count } Wörter hinzugefügt
}
diff-words-removed = { $count ->
    [one] 1 Wort entfernt
   *[other] { $count } Wörter entfernt
}
diff-words-moved = { $count ->
    [one] 1 Wort verschoben
   *[other] { $count } Wörter verschoben
}
diff-before = Vorher: Version { $number }
diff-after = Nachher: Version { $number }
diff-sections-heading = Geänderte Abschnitte
diff-section-start = Anfang des Dokuments
diff-links-heading = Links mit neuem Ziel
diff-link-text = Link
diff-link-before = Vorher
diff-link-after = Nachher
diff-views-label = Darstellungen der Änderungen
diff-view-inline = Im Text
diff-view-side-by-side = Nebeneinander
diff-view-changes = Nur geänderte Abschnitte
diff-download = Als .diff herunterladen
diff-keys = Drücken Sie n für die nächste und p für die vorherige Änderung.
diff-column-before = Vorher
diff-column-after = Nachher
diff-unchanged-section = { $count ->
    [one] 1 unveränderter Block: anzeigen
   *[other] { $count } unveränderte Blöcke: anzeigen
}
diff-label-changed = Geändert
diff-label-added = Hinzugefügt
diff-label-removed = Entfernt
diff-label-relinked = Link geändert
diff-label-moved-to = Verschoben nach „{ $section }“
diff-label-moved-from = Hierher verschoben aus „{ $section }“
error-no-such-revision = Dieses Dokument hat keine Version { $number } in dieser Sprache. Die neueste Version ist { $latest }.
error-bad-range = Eine Vergleichsadresse nennt zwei Versionsnummern, etwa /policies/privacy/diff/2..3.

# Consent
consent-banner-heading = Cookies auf dieser Website
consent-banner-body = Wir verwenden Cookies, die für den Betrieb der Website unbedingt erforderlich sind. Mit Ihrer Einwilligung verwenden wir außerdem Cookies für die unten genannten Zwecke. Sie können Ihre Entscheidung jederzeit unter „Cookie-Einstellungen“ ändern oder widerrufen.
consent-accept-all = Alle akzeptieren
consent-reject-all = Alle ablehnen
consent-customise = Anpassen
consent-cookie-policy = Cookie-Richtlinie
consent-privacy-policy = Datenschutzerklärung
consent-categories = Je Kategorie wählen
consent-always-on = (immer aktiv)
consent-third-party = Drittanbieter
consent-save = Auswahl speichern
consent-failed = Ihre Auswahl konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.
consent-reason-changed = Die von uns verwendeten Cookies haben sich seit Ihrer letzten Entscheidung geändert, daher fragen wir erneut.
consent-reason-see-changes = Änderungen ansehen.
consent-reason-expired = Ihre letzte Entscheidung ist abgelaufen, daher fragen wir erneut.
footer-cookie-settings = Cookie-Einstellungen
settings-title = Cookie-Einstellungen
settings-chosen-on = Sie haben Ihre Entscheidung getroffen am
settings-allowed = Erlaubt:
settings-no-choice = Sie haben noch keine Entscheidung getroffen. Bis dahin werden nur unbedingt erforderliche Cookies verwendet.
settings-withdraw-explained = Der Widerruf ist so einfach wie die Einwilligung: Ein Klick lehnt alle optionalen Kategorien ab und entfernt ihre Cookies.
settings-withdraw = Alle Einwilligungen widerrufen
settings-receipts-link = Aufzeichnung Ihrer Entscheidungen ansehen
receipts-title = Ihre Einwilligungsnachweise
receipts-intro = Jede in diesem Browser getroffene Entscheidung, so wie wir sie aufgezeichnet haben. Jeder Eintrag ist ein nummerierter Eintrag unseres signierten Nachweisprotokolls, sodass keiner unbemerkt verändert oder entfernt werden kann. Sein Nachweispaket enthält den Eintrag, die Ihnen gezeigten Texte und den Beweis, dass das Protokoll ihn enthält: Jede und jeder kann es ohne uns prüfen (unseren öffentlichen Schlüssel finden Sie unter /.well-known/charter-log.pub).
receipts-entry = Protokolleintrag
receipts-bundle = Nachweispaket
receipts-bundle-label = Nachweispaket des Eintrags { $index }
receipts-none = Wir haben keine Aufzeichnung einer in diesem Browser getroffenen Entscheidung.
receipts-when = Wann
receipts-action = Aktion
receipts-method = Wie
receipts-choices = Auswahl
receipts-hash = Prüfsumme
receipts-download = Als JSON herunterladen
cookie-table-heading = Die Cookies, die wir verwenden
cookie-table-intro-then = Die Cookies, die diese Fassung beschreibt: die des Cookie-Verzeichnisses, das galt am
cookie-table-intro = Diese Liste wird aus demselben Verzeichnis erzeugt, nach dem das Cookie-Banner fragt, und ist daher stets aktuell.
cookie-table-none = Derzeit keine Cookies in dieser Kategorie.
cookie-table-service = Dienst
cookie-table-provider = Anbieter
cookie-table-purpose = Zweck
cookie-table-duration = Speicherdauer
cookie-table-cookies = Cookies
cookie-table-party = Gesetzt von
cookie-table-first = dieser Website
cookie-table-third = einem Drittanbieter
consent-gpc-honoured = Opt-out-Präferenzsignal berücksichtigt: Ihr Browser hat ein Global-Privacy-Control-Signal gesendet; wir werten es als Ablehnung von

# Verwaltung
admin-sign-in-title = Anmelden
admin-email = E-Mail-Adresse
admin-password = Passwort
admin-sign-in = Anmelden
admin-refused = E-Mail-Adresse oder Passwort ist falsch.
admin-throttled = Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in { $minutes } Minuten erneut.
admin-address-too-long = Diese E-Mail-Adresse ist zu lang: Eine Adresse hat höchstens 254 Zeichen.
admin-signed-out = Sie haben sich abgemeldet.
admin-home-title = Verwaltung
admin-signed-in-as = Angemeldet als { $email } ({ $role }).
admin-sign-out = Abmelden
admin-sign-out-everywhere = Überall abmelden
admin-audit-title = Letzte Aktivitäten
admin-audit-when = Wann
admin-audit-who = Wer
admin-audit-action = Aktion
admin-audit-object = Objekt
admin-audit-from = Von

admin-documents = Dokumente und Entwürfe

editor-documents-title = Dokumente
editor-document = Dokument
editor-no-revision = Noch keine Version
editor-latest = Version { $number }
editor-draft-exists = Entwurf gespeichert
editor-published = { $what } veröffentlicht.
editor-title = { $title } ({ $locale })
editor-source = Markdown-Text
editor-save = Entwurf speichern und Vorschau zeigen
editor-saved = Entwurf gespeichert
editor-not-drafted = Noch nicht geändert: Dies ist der Text der neuesten Version.
editor-unsaved = Ungespeicherte Änderungen …
editor-saving = Wird gespeichert …
editor-save-failed = Nicht gespeichert:
editor-no-answer = Der Server hat nicht geantwortet; Ihr Text ist noch da.
editor-draft-saved = Der Entwurf ist gespeichert; die Vorschau zeigt ihn.
editor-stale = Dieser Entwurf beruht auf Version { $base }, inzwischen wurde Version { $latest } veröffentlicht. Vergleichen Sie vor dem Veröffentlichen.
editor-compare = Mit der neuesten Version vergleichen
editor-compare-title = { $title }: Entwurf im Vergleich mit Version { $latest }
editor-preview = Vorschau
editor-publish-title = Diesen Entwurf veröffentlichen
editor-class-editorial = Redaktionell: nur Formulierung oder Form; gilt sofort
editor-class-material = Wesentlich: ändert den Inhalt; gilt nach der Ankündigungsfrist
editor-summary = Zusammenfassung der Änderung (Pflicht bei wesentlichen Änderungen)
editor-effective = Gilt ab (wesentliche Änderungen)
editor-notice-hint = Die Ankündigungsfrist beträgt { $days } Tage: Eine jetzt veröffentlichte wesentliche Änderung gilt frühestens ab { $earliest }.
editor-confirm-missing-locales = Nur in dieser Sprache veröffentlichen, ohne die anderen Sprachen
editor-publish = Veröffentlichen
editor-error-too-large = Der Text hat { $size } Bytes; eine Version darf höchstens 1 MiB haben.
editor-error-empty = Der Text ist leer; schreiben Sie die Richtlinie vor dem Veröffentlichen.
editor-error-no-draft = Es gibt keinen gespeicherten Entwurf zum Veröffentlichen.
editor-error-bad-date = „{ $date }“ ist kein Datum; geben Sie den Tag an, ab dem die Änderung gilt.
editor-error-missing-summary = Eine wesentliche Änderung braucht eine verständliche Zusammenfassung.
editor-error-notice-too-short = Eine jetzt veröffentlichte wesentliche Änderung gilt frühestens ab { $earliest }.
editor-error-missing-locales = Für diese wesentliche Änderung fehlt ein Entwurf in { $locales }. Schreiben Sie diese Entwürfe zuerst oder bestätigen Sie die Veröffentlichung nur in dieser Sprache.

admin-settings-title = Einstellungen
admin-settings-notice-days = Ankündigungsfrist für wesentliche Änderungen (Tage)
admin-settings-notice-days-hint = { $min } bis { $max } Tage. Ab jetzt veröffentlichte wesentliche Änderungen gelten frühestens danach.
admin-settings-notice-days-invalid = „{ $value }“ ist keine gültige Frist; geben Sie eine ganze Zahl von { $min } bis { $max } Tagen an.
admin-settings-saved = Einstellungen gespeichert.
admin-settings-save = Einstellungen speichern

users-title = Benutzer
users-role = Rolle
users-since = Seit
users-actions = Aktionen
users-role-editor = Redaktion (schreibt Entwürfe)
users-role-publisher = Veröffentlichung (veröffentlicht)
users-role-admin = Administration (Benutzer, Einstellungen, Inventar)
users-change-role = Rolle ändern
users-remove = Entfernen
users-removed-on = Entfernt am
users-invite-title = Jemanden einladen
users-invite = Einladung erstellen
users-invited = { $email } ist eingeladen. Senden Sie diesen Link; er funktioniert einmal, 72 Stunden lang.
users-invitation-link = Einladungslink:
users-pending-title = Offene Einladungen
users-invited-by = Eingeladen von
users-expires = Läuft ab
users-revoke = Widerrufen
users-revoked = Die Einladung von { $email } ist widerrufen; ihr Link funktioniert nicht mehr.
users-back = Zurück zu den Benutzern
users-changed = Die Rolle von { $email } ist geändert.
users-removed = { $email } ist entfernt und überall abgemeldet.
users-error-bad-email = Das ist keine E-Mail-Adresse.
users-error-has-account = Für diese Adresse gibt es schon ein Konto.
users-error-last-admin = Dann gäbe es keine Administration mehr. Machen Sie zuerst jemand anderen zum Admin.
invitation-title = Zugang zum Verwaltungsbereich
invitation-intro = Sie sind als { $email } eingeladen, mit der Rolle { $role }.
invitation-expires = Die Einladung läuft ab am
invitation-password = Passwort wählen (mindestens 12 Zeichen)
invitation-password-again = Dasselbe Passwort noch einmal
invitation-accept = Konto anlegen
invitation-error-too-short = Das Passwort ist zu kurz: Verwenden Sie mindestens 12 Zeichen.
invitation-error-too-long = Das Passwort ist zu lang: Verwenden Sie höchstens 256 Zeichen.
invitation-error-common = Dieses Passwort ist zu leicht zu erraten. Wählen Sie ein anderes.
invitation-error-mismatch = Die beiden Passwörter unterscheiden sich.

filter-any = Alle
filter-from = Von (Tag)
filter-to = Bis (Tag)
filter-apply = Filtern

audit-log-title = Protokoll
audit-log-all = Das ganze Protokoll
audit-log-detail = Einzelheiten
audit-log-older = Ältere Einträge
audit-log-none = Kein Eintrag passt zu diesem Filter.

consent-records-title = Einwilligungsnachweise
consent-records-action = Aktion
consent-records-method = Methode
consent-records-totals = Summen
consent-records-count = { $count } Einwilligungsereignisse passen zu diesem Filter.
consent-records-category = Kategorie
consent-records-allowed = Erlaubt
consent-records-refused = Abgelehnt
consent-records-export = Diese Nachweise herunterladen:
consent-records-newest = Neueste Ereignisse
consent-records-subject = Person (ID)
consent-records-choices = Auswahl
consent-records-locale = Sprache
consent-records-configuration = Konfiguration
consent-records-evidence = Nachweis
consent-records-bundle = Nachweispaket (JSON)

inventory-editor-title = Cookie-Inventar
inventory-in-force = In Kraft: Konfiguration { $version }.
inventory-see-policy = Tabelle der Cookie-Richtlinie ansehen
inventory-draft-by = Entwurf gespeichert von { $who } um { $when } (UTC).
inventory-source = Inventar (im Dateiformat von „charter inventory import“)
inventory-hint = Jede Kategorie mit Titel und Beschreibung und jeder Dienst mit Anbieter, Partei, Cookies, Zweck und Dauer, in jeder Sprache. „necessary“ steht vorn und ist immer aktiv.
inventory-save = Entwurf speichern und prüfen
inventory-review-title = Prüfung des Entwurfs
inventory-invalid = Dieser Entwurf kann nicht in Kraft gesetzt werden: { $error }
inventory-unchanged = Dieser Entwurf ist das Inventar in Kraft; ihn in Kraft zu setzen ändert nichts.
inventory-material = Wenn dieser Entwurf in Kraft tritt, ändert sich die Einwilligungskonfiguration (neue Version { $version }): Alle Besucher werden erneut um Einwilligung gebeten.
inventory-confirm = Mir ist klar, dass alle Besucher erneut um Einwilligung gebeten werden.
inventory-activate = In Kraft setzen
inventory-discard = Entwurf verwerfen
inventory-saved = Entwurf gespeichert. Prüfen Sie ihn unten, bevor Sie ihn in Kraft setzen.
inventory-activated = Das neue Inventar ist in Kraft (Konfiguration { $version }). Besucher werden erneut gefragt.
inventory-discarded = Entwurf verworfen; das Inventar in Kraft ist unverändert.
inventory-error-too-large = Das Inventar hat { $size } Bytes; höchstens { $max } Bytes sind erlaubt.
inventory-error-not-confirmed = Bestätigen Sie, dass alle Besucher erneut gefragt werden, und setzen Sie den Entwurf dann in Kraft.
inventory-error-draft-changed = Der Entwurf hat sich seit Ihrer Prüfung geändert. Prüfen Sie ihn unten erneut.
inventory-error-no-draft = Es gibt keinen Entwurf, der in Kraft gesetzt werden könnte.
inventory-error-invalid = Der Entwurf ist nicht gültig; korrigieren Sie ihn zuerst.
inventory-change-category-added = Neue Kategorie „{ $category }“
inventory-change-category-removed = Kategorie „{ $category }“ entfernt
inventory-change-category-changed = Kategorie „{ $category }“: { $fields } geändert
inventory-change-service-added = Neuer Dienst „{ $service }“ in „{ $category }“
inventory-change-service-removed = Dienst „{ $service }“ aus „{ $category }“ entfernt
inventory-change-service-changed = Dienst „{ $service }“ in „{ $category }“: { $fields } geändert
inventory-change-reordered = Kategorien oder Dienste in anderer Reihenfolge

recipients-title = Empfänger von Änderungshinweisen
recipients-file = CSV-Datei der Kontoinhaber
recipients-hint = Spalten email, name und locale (en oder de; leer bedeutet en), mit einer ersten Zeile, die sie benennt. Vorhandene Adressen werden aktualisiert, nicht verdoppelt.
recipients-import = Importieren
recipients-imported = Importiert: { $added } neu, { $updated } aktualisiert, { $unchanged } unverändert.
recipients-invalid = { $count } Zeilen wurden nicht importiert; korrigieren Sie sie und importieren Sie die Datei erneut:
recipients-error-no-file = Wählen Sie eine CSV-Datei zum Importieren.
recipients-error-unreadable = Die Datei wurde nicht importiert: { $reason }
recipients-latest = Zuletzt geändert
recipients-total = Insgesamt { $count } Empfänger.
recipients-name = Name
recipients-updated = Geändert

home-upcoming-heading = Anstehende Änderungen
home-upcoming-from = neue Fassung gilt ab

notice-email-subject = { $organisation }: „{ $document }“ ändert sich am { $date }
notice-email-greeting = Hallo { $name },
notice-email-greeting-anonymous = Hallo,
notice-email-intro = wir ändern „{ $document }“. Die neue Fassung gilt ab dem { $date } (UTC); bis dahin gilt die bisherige Fassung.
notice-email-summary = Was sich ändert, in Kürze
notice-email-other-language = Die neue Fassung liegt noch nicht auf Deutsch vor; die Links führen zum veröffentlichten Text.
notice-email-compare = Sehen Sie genau, was sich ändert:
notice-email-read = Lesen Sie die neue Fassung:
notice-email-reason = Sie erhalten diesen Hinweis, weil Sie ein Konto bei { $organisation } haben: Wir informieren alle Kontoinhaber über wesentliche Änderungen unserer Bedingungen und Richtlinien, bevor sie wirksam werden.

notices-title = Änderungshinweise
notices-intro = Eine Kampagne je wesentlicher Änderung: Alle Empfänger erhalten eine E-Mail, bevor die Änderung wirksam wird. Fehlgeschlagene Nachrichten hat der Mailserver abgelehnt; stellen Sie sie erneut ein, sobald die Ursache behoben ist.
notices-none = Bisher wurde keine wesentliche Änderung veröffentlicht, daher wurden keine Hinweise versandt.
notices-document = Dokument (Sprache, Fassung)
notices-effective = Wirksam ab
notices-queued-at = Eingereiht
notices-state = Status
notices-state-queued = Wartend
notices-state-sent = Versandt
notices-state-failed = Fehlgeschlagen
notices-campaign-title = Hinweiskampagne
notices-attempts = Versuche
notices-when = Versandt oder nächster Versuch
notices-last-error = Letzte Antwort des Mailservers
notices-retry = Die { $count } fehlgeschlagenen Nachrichten erneut einreihen
notices-retried = { $count } fehlgeschlagene Nachrichten sind erneut eingereiht.
notices-more = Weitere Empfänger

footer-subscribe = Über Änderungen informieren
subscribe-title = Per E-Mail über Änderungen der Richtlinien informieren
subscribe-intro = Wir senden eine Nachricht je wesentlicher Änderung, bevor sie wirksam wird, mit einer Zusammenfassung und einem Link zu den Änderungen. Sie bestätigen Ihre Adresse zuerst, und jede Nachricht enthält einen Link zum Abbestellen.
subscribe-email = Ihre E-Mail-Adresse
subscribe-which = Welche Richtlinien
subscribe-scope-all = alle unsere Richtlinien
subscribe-scope-one = „{ $document }“
subscribe-submit = Abonnieren
subscribe-privacy = Wir verwenden diese Adresse nur für diese Hinweise und speichern sie, bis Sie abbestellen.
subscribe-sent = Sehen Sie in Ihr Postfach: Wir haben Ihnen einen Link zur Bestätigung geschickt. Er gilt { $hours } Stunden; bis zur Bestätigung senden wir nichts anderes.
subscribe-error-email = An diese Adresse können wir nicht schreiben; prüfen Sie sie und versuchen Sie es erneut.
subscribe-error-scope = Wählen Sie alle unsere Richtlinien oder eine davon.
subscribe-confirm-title = Abonnement bestätigen
subscribe-confirm-ask = Bestätigen Sie, dass { $email } über Änderungen informiert werden soll. Betrifft: { $scope }.
subscribe-confirm-button = Abonnement bestätigen
subscribe-confirmed = Abonniert: { $email } wird über Änderungen informiert. Betrifft: { $scope }.
subscribe-expired = Dieser Bestätigungslink ist abgelaufen: Links gelten { $hours } Stunden. Abonnieren Sie erneut, um einen neuen zu erhalten.
subscribe-again = Erneut abonnieren
subscribe-unsubscribed = { $email } wird nicht mehr über Änderungen informiert. Betrifft: { $scope }.
subscribe-unsubscribe-title = Änderungshinweise abbestellen
subscribe-unsubscribe-ask = { $email } nicht mehr über Änderungen informieren? Betrifft: { $scope }.
subscribe-unsubscribe-button = Abbestellen
subscribe-email-subject = { $organisation }: Bitte bestätigen Sie Ihr Abonnement für Änderungen der Richtlinien
subscribe-email-body = Jemand, hoffentlich Sie, hat darum gebeten, diese Adresse über Änderungen zu informieren (betrifft: { $scope }). Öffnen Sie zur Bestätigung innerhalb von { $hours } Stunden diesen Link und drücken Sie die Schaltfläche:
subscribe-email-ignore = Falls Sie das nicht waren, ignorieren Sie diese Nachricht: Wir schreiben Ihnen nicht wieder.
notice-email-reason-subscriber = Sie erhalten diesen Hinweis, weil Sie Hinweise zu Änderungen bei { $organisation } abonniert haben (betrifft: { $scope }).
notice-email-unsubscribe = Mit einem Klick abbestellen:

admin-sites-title = Websites
admin-sites-intro = Die anderen Websites des Unternehmens zeigen mit einem Script-Tag dasselbe Cookie-Banner. Tragen Sie hier den Ursprung jeder Website ein: Die Consent-API antwortet nur eingetragenen Ursprüngen, und jede Entscheidung hält Website und Seite fest, auf der sie getroffen wurde.
admin-sites-snippet = Das Tag für die Seiten einer Website
admin-sites-origin = Ursprung
admin-sites-origin-hint = schema://host[:port], z. B. https://www.example.com, oder https://*.example.com für alle Subdomains.
admin-sites-model = Einwilligungsmodell
admin-sites-model-opt-in = Opt-in: vor jedem optionalen Cookie fragen (EU)
admin-sites-model-opt-out = Opt-out: optionale Cookies aktiv, bis die Person widerspricht, mit Link „Your Privacy Choices“ (USA)
admin-sites-added-by = Eingetragen
admin-sites-add = Website eintragen
admin-sites-remove = Entfernen
admin-sites-added = { $origin } ist eingetragen.
admin-sites-removed = { $origin } wurde entfernt; die dort getroffenen Entscheidungen bleiben erhalten.
admin-sites-already = { $origin } ist bereits eingetragen.
admin-sites-bad-origin = „{ $value }“ ist kein Ursprung: Schreiben Sie schema://host[:port] mit http oder https und nichts nach dem Host.
embed-settings-heading = Cookie-Einstellungen
embed-close = Schließen
embed-gpc-honoured = Opt-out-Präferenzsignal berücksichtigt
embed-privacy-choices = Your Privacy Choices
embed-blocked = Dieser Inhalt ist gesperrt, bis Sie Cookies erlauben für: { $category }
embed-allow = Erlauben
embed-reload-notice = Sie haben Ihre Einwilligung widerrufen. Die Seite wird neu geladen, um Laufendes zu beenden.
embed-reload-now = Jetzt neu laden
