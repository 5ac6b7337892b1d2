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
error-back-home = Zurück zur Startseite
