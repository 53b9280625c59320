"""The peer: ReportLab rendering the same one-page documents (the extract and the nationality
certificate; DejaVu Sans embedded, vector QR code of the same seal length), timed in the same run
as our criterion bench. Prints one JSON line, one entry per kind."""

import io
import json
import sys
import time
from pathlib import Path

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = Path(__file__).resolve().parents[2] / "shared" / "pdf" / "fonts"
pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
SEAL = "GCH1:" + "6BF+0$A:." * 31  # the length of a real extract's seal


def qr_drawing() -> Drawing:
    widget = QrCodeWidget(SEAL, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = 40 * mm
    d = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    d.add(widget)
    return d


def extract(qr: Drawing | None = None) -> bytes:
    """One extract. With `qr` given, the QR code is drawn from that already-encoded drawing, which
    spares ReportLab's slow pure-Python QR encoder: the strictest version of the peer."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    top = A4[1]
    c.setFont("DejaVu-Bold", 9)
    c.drawString(20 * mm, top - 20 * mm, "MINISTÈRE DE LA JUSTICE")
    c.drawString(135 * mm, top - 20 * mm, "RÉPUBLIQUE DU MALI")
    c.setFont("DejaVu", 8.5)
    c.drawString(20 * mm, top - 30 * mm, "Tribunal de Grande Instance de la Commune III du District de Bamako")
    c.setFont("DejaVu-Bold", 16)
    c.drawCentredString(A4[0] / 2, top - 49 * mm, "EXTRAIT DU CASIER JUDICIAIRE")
    c.setFont("DejaVu", 12)
    c.drawCentredString(A4[0] / 2, top - 57 * mm, "Bulletin n°3")
    y = 89
    for label, value in [("Nom :", "Traoré"), ("Prénoms :", "Aminata Fatoumata"), ("Né(e) le :", "12 avril 1990"),
                         ("à :", "Bamako (Mali)"), ("Fils/fille de :", "Sékou Traoré"), ("et de :", "Mariam Keïta")]:
        c.setFont("DejaVu", 10)
        c.drawString(20 * mm, top - y * mm, label)
        c.setFont("DejaVu-Bold", 10)
        c.drawString(72 * mm, top - y * mm, value)
        y += 6
    c.setFont("DejaVu-Bold", 18)
    c.drawCentredString(A4[0] / 2, top - (y + 16) * mm, "NÉANT")
    c.setFont("DejaVu", 10)
    c.drawString(20 * mm, top - (y + 30) * mm, "Délivré à Bamako, le 25 novembre 2026")
    renderPDF.draw(qr or qr_drawing(), c, 150 * mm, 32 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def certificate(qr: Drawing | None = None) -> bytes:
    """One nationality certificate, laid out as our template lays it out."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    top = A4[1]
    c.setFont("DejaVu-Bold", 9)
    c.drawString(20 * mm, top - 20 * mm, "MINISTÈRE DE LA JUSTICE")
    c.drawString(20 * mm, top - 24.5 * mm, "ET DES DROITS DE L'HOMME")
    c.drawString(135 * mm, top - 20 * mm, "RÉPUBLIQUE DU MALI")
    c.setFont("DejaVu", 8.5)
    c.drawString(20 * mm, top - 30 * mm, "Tribunal de Grande Instance de Kayes")
    c.setFont("DejaVu-Bold", 16)
    c.drawCentredString(A4[0] / 2, top - 49 * mm, "CERTIFICAT DE NATIONALITÉ MALIENNE")
    c.setFont("DejaVu", 10)
    c.drawString(20 * mm, top - 80 * mm, "Le Président du Tribunal de Grande Instance de Kayes, au vu des pièces produites,")
    c.drawString(20 * mm, top - 85 * mm, "certifie que la personne ci-après désignée :")
    y = 100
    for label, value in [("Nom :", "Coulibaly"), ("Prénoms :", "Moussa"), ("Né(e) le :", "1er juin 1995"),
                         ("à :", "Kayes (Mali)"), ("Fils/fille de :", "Adama Coulibaly")]:
        c.setFont("DejaVu", 10)
        c.drawString(20 * mm, top - y * mm, label)
        c.setFont("DejaVu-Bold", 10)
        c.drawString(72 * mm, top - y * mm, value)
        y += 6
    c.setFont("DejaVu-Bold", 12)
    c.drawCentredString(A4[0] / 2, top - (y + 4) * mm, "EST DE NATIONALITÉ MALIENNE")
    c.setFont("DejaVu", 10)
    c.drawString(20 * mm, top - (y + 16) * mm, "Nationalité malienne d'origine, par filiation : né(e) au Mali d'un père ou d'une mère")
    c.drawString(20 * mm, top - (y + 21) * mm, "de nationalité malienne.")
    c.drawString(20 * mm, top - (y + 28) * mm, "Parent malien :")
    c.setFont("DejaVu-Bold", 10)
    c.drawString(72 * mm, top - (y + 28) * mm, "Adama Coulibaly, père")
    c.setFont("DejaVu", 8.5)
    c.drawString(20 * mm, top - (y + 38) * mm, "Textes applicables : loi n° 2011-087 du 30 décembre 2011 portant Code des personnes et de la famille.")
    c.setFont("DejaVu", 10)
    c.drawString(20 * mm, top - (y + 48) * mm, "Délivré à Kayes, le 25 novembre 2026")
    c.setFont("DejaVu-Bold", 10)
    c.drawString(20 * mm, top - (y + 54) * mm, "Le Président du Tribunal")
    renderPDF.draw(qr or qr_drawing(), c, 150 * mm, 32 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def timed(runs: int, make) -> tuple[float, int]:
    make()  # warm-up: font parsing, imports
    start = time.perf_counter()
    for _ in range(runs):
        pdf = make()
    return (time.perf_counter() - start) * 1000 / runs, len(pdf)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    prebuilt = qr_drawing()
    out = {"peer": "reportlab"}
    for kind, make in [("criminal_record_extract", extract), ("nationality_certificate", certificate)]:
        whole_ms, size = timed(runs, make)
        drawing_only_ms, _ = timed(runs, lambda: make(prebuilt))
        out[kind] = {
            "ms_per_document": round(whole_ms, 3),
            "ms_per_document_qr_preencoded": round(drawing_only_ms, 3),
            "bytes": size,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
