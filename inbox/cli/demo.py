"""`inbox demo`: a believable help desk to try the app and take screenshots: two mailboxes, three
people, customers, and about forty conversations with replies, notes, tags and every status."""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask.cli import with_appcontext

from .. import conversations as convs
from ..customers import customer_for
from ..extensions import db
from ..i18n import gettext as _
from ..models import Conversation, Mailbox, ThreadItem, User, utcnow

PASSWORD = "demo-password"
PEOPLE = [
    ("Maya Patel", "maya@acme.test", "admin"),
    ("Sam Lee", "sam@acme.test", "agent"),
    ("Jordan Kim", "jordan@acme.test", "agent"),
]
CUSTOMERS = [
    "Olivia Martin",
    "Liam Nguyen",
    "Emma Schmidt",
    "Noah Rossi",
    "Ava Johnson",
    "Lucas Dubois",
    "Mia Kowalski",
    "Ethan Brown",
    "Sofia Garcia",
    "Mateo Silva",
    "Chloe Wilson",
    "Leo Andersson",
    "Isla Murphy",
    "Hugo Lambert",
    "Zoe Fischer",
    "Arjun Mehta",
    "Hannah Becker",
    "Yuki Tanaka",
    "Grace O'Neil",
    "Daniel Cohen",
    "Amara Okafor",
    "Felix Wagner",
    "Nora Jensen",
    "Omar Haddad",
]
# subject, first message, our reply (or None), internal note (or None), status, tags, mailbox (0/1)
THREADS = [
    (
        "Can't log in after password reset",
        "Hi, I reset my password this morning but the login page keeps saying my credentials are wrong. I've tried three times now. Can you help?",
        "Sorry about that! I've cleared the lock on your account. Could you try once more and let me know?",
        "Account was locked after 5 failed attempts; unlocked manually.",
        "pending",
        ["login", "urgent"],
        0,
    ),
    (
        "Invoice #4821 shows the wrong VAT number",
        "Hello, our invoice from last month has our old VAT number (DE811234567). Could you reissue it with DE298765432?",
        None,
        None,
        "active",
        ["invoice"],
        1,
    ),
    (
        "Export to CSV is missing the date column",
        "When I export my orders to CSV the date column is empty for everything before March. Is that a known issue?",
        "Thanks for reporting this. It's a bug on our side; the fix ships on Thursday.",
        "Linked to bug ENG-2231.",
        "active",
        ["bug"],
        0,
    ),
    (
        "Refund for duplicate charge",
        "I was charged twice for my annual plan (two charges of $240 on the 3rd). Please refund one of them.",
        "I can see both charges. I've refunded the second one; it takes 5–10 business days to appear.",
        None,
        "closed",
        ["refund"],
        1,
    ),
    (
        "Feature request: dark mode",
        "Love the product! Any plans for a dark mode? My eyes would thank you at 2am.",
        "It's on our roadmap for this quarter. I've added your vote!",
        None,
        "closed",
        ["feature-request"],
        0,
    ),
    (
        "Webhook deliveries failing with 502",
        "Since yesterday around 14:00 UTC all webhook deliveries to our endpoint fail with 502. Our server logs show nothing arriving.",
        None,
        "Ops says a proxy node was misconfigured at 13:55; fixed at 16:10. Waiting on customer confirmation.",
        "active",
        ["bug", "api"],
        0,
    ),
    (
        "Upgrade to the Team plan",
        "We're growing and would like to move from Starter to Team. Do we keep our data and integrations?",
        "Yes, everything stays as it is. You can upgrade under Settings → Billing; the price difference is prorated.",
        None,
        "closed",
        ["sales"],
        1,
    ),
    (
        "How do I add a teammate?",
        "Quick question: where do I invite a colleague to our workspace?",
        None,
        None,
        "active",
        [],
        0,
    ),
    (
        "Shipping address change for order 10293",
        "Hi! I just ordered but realised the address is my old flat. New one: 14 Canal Street, Apt 3, Manchester M1 3HE.",
        "Done, the order will ship to the new address. You'll get tracking by email.",
        None,
        "closed",
        ["orders"],
        0,
    ),
    (
        "Card declined but money taken",
        "My card was declined at checkout but my bank shows a pending charge of €59.",
        None,
        None,
        "active",
        ["billing", "urgent"],
        1,
    ),
    (
        "API rate limit too low for our sync",
        "We hit the 600 req/min limit during our nightly sync. Is there a way to raise it for our account?",
        "I've asked the team; we can raise it to 1,500/min on the Business plan. I'll follow up tomorrow.",
        "Check with Priya whether a temporary raise is OK.",
        "pending",
        ["api"],
        0,
    ),
    (
        "Thank you!",
        "Just wanted to say your support last week was amazing. Problem solved in minutes.",
        "That made our day, thank you for taking the time!",
        None,
        "closed",
        [],
        0,
    ),
    (
        "GDPR data export request",
        "Under Article 15 GDPR, please send me a copy of all personal data you hold about me.",
        None,
        "Legal template in the wiki. Must answer within 30 days.",
        "active",
        ["gdpr"],
        0,
    ),
    (
        "Cancel my subscription",
        "Please cancel my subscription at the end of the current period. Thanks.",
        "I've scheduled the cancellation for 30 June. Sorry to see you go. Anything we could have done better?",
        None,
        "pending",
        ["churn"],
        1,
    ),
    (
        "Two-factor codes not arriving",
        "I'm not getting the SMS codes for 2FA anymore. I changed carriers last week, same number.",
        None,
        None,
        "active",
        ["login"],
        0,
    ),
    (
        "Bulk discount for 50 seats?",
        "We're a school and need 50 seats. Is there an education discount?",
        "Yes: 40% off for accredited schools. I've attached the application form.",
        None,
        "active",
        ["sales"],
        1,
    ),
    (
        "Mobile app crashes on startup",
        "After the latest update (3.4.1) the Android app crashes right after the splash screen. Pixel 7, Android 14.",
        None,
        "Crash reports show a null pointer in the onboarding screen. ENG-2240.",
        "active",
        ["bug", "mobile"],
        0,
    ),
    (
        "Where is my order?",
        "Order 10311 was supposed to arrive Monday. The tracking hasn't updated in four days.",
        "I've opened a trace with the carrier and will let you know as soon as I hear back.",
        None,
        "pending",
        ["orders"],
        0,
    ),
    (
        "Wrong size delivered",
        "I ordered a Medium and received an XL. How do I exchange it?",
        "So sorry! A prepaid return label is attached; we'll send the Medium as soon as it's scanned.",
        None,
        "closed",
        ["orders", "returns"],
        0,
    ),
    (
        "Integration with Slack stopped posting",
        "Our Slack channel stopped receiving notifications on Friday.",
        None,
        None,
        "active",
        ["integrations"],
        0,
    ),
    (
        "Receipt for tax purposes",
        "Could I get a proper receipt with our company name for the March payment?",
        "Attached! You can also download receipts anytime under Billing → History.",
        None,
        "closed",
        ["invoice"],
        1,
    ),
    (
        "Can I change my username?",
        "Is it possible to change my username without losing my history?",
        None,
        None,
        "active",
        [],
        0,
    ),
    (
        "Security question about data storage",
        "Where is our data hosted, and is it encrypted at rest?",
        "All data is hosted in Frankfurt (EU) and encrypted at rest with AES-256. Our security overview is linked below.",
        None,
        "closed",
        ["security"],
        0,
    ),
    (
        "URGENT: site down for our customers",
        "Our embedded widget isn't loading on our storefront. We're losing sales!",
        "Looking into it right now; our status page confirms a CDN incident. Updates every 15 minutes.",
        "Incident INC-88. Call the customer if not fixed by 15:00.",
        "active",
        ["urgent", "incident"],
        0,
    ),
    (
        "Password reset email never arrives",
        "I've requested a reset three times, nothing in inbox or spam.",
        None,
        None,
        "active",
        ["login"],
        0,
    ),
    (
        "Discount code not applied",
        "The code SPRING20 says it's valid but the total didn't change.",
        "The code applies to annual plans only. I've applied the discount manually to your monthly invoice as a one-off.",
        None,
        "closed",
        ["billing"],
        1,
    ),
    (
        "Question about the API pagination",
        "The docs say `cursor` but the response has `next_page`. Which one is right?",
        None,
        None,
        "active",
        ["api", "docs"],
        0,
    ),
    (
        "Account deletion",
        "Please delete my account and all my data.",
        "Your account is scheduled for deletion in 7 days. Reply to this email if you change your mind.",
        None,
        "pending",
        ["gdpr", "churn"],
        0,
    ),
    (
        "Can't upload files larger than 10 MB",
        "Uploads fail at around 10 MB with no error message.",
        None,
        "Limit is 10 MB on Starter. Suggest the upgrade politely.",
        "active",
        ["bug"],
        0,
    ),
    (
        "Partnership opportunity",
        "Hi team, we run a newsletter with 80k readers and would love to partner.",
        None,
        None,
        "active",
        ["sales"],
        1,
    ),
    (
        "You have won a prize!!!",
        "Congratulations!!! Click here to claim your $1,000 gift card now.",
        None,
        None,
        "spam",
        [],
        0,
    ),
    (
        "Cheap SEO services",
        "We can get your website to #1 on Google in 7 days. Reply for pricing.",
        None,
        None,
        "spam",
        [],
        1,
    ),
    (
        "Onboarding call",
        "Could we schedule a 30 minute onboarding call for our team next week?",
        "Of course! Here's my calendar link; pick any slot that suits you.",
        None,
        "closed",
        ["onboarding"],
        0,
    ),
    (
        "Calendar sync shows events twice",
        "Every event from Google Calendar appears twice since I reconnected.",
        None,
        None,
        "active",
        ["bug", "integrations"],
        0,
    ),
    (
        "Change billing email",
        "Please send invoices to accounts@northwind.test from now on.",
        "Updated. The next invoice goes to accounts@northwind.test.",
        None,
        "closed",
        ["billing"],
        1,
    ),
    (
        "Typo on the pricing page",
        "Small thing: 'anually' on the pricing page should be 'annually'.",
        "Good catch, fixed! Thank you.",
        None,
        "closed",
        [],
        0,
    ),
    (
        "Slow dashboard since Tuesday",
        "The dashboard takes 20+ seconds to load since Tuesday. Other pages are fine.",
        None,
        "Probably the new analytics widget. Asked eng for a profile.",
        "active",
        ["performance"],
        0,
    ),
    ("Newsletter: our spring update", None, None, None, "active", ["newsletter"], 0),
    (
        "Student plan eligibility",
        "I'm a PhD student. Does that count for the student plan?",
        None,
        None,
        "active",
        ["sales"],
        1,
    ),
    (
        "Printer-friendly invoices",
        "Is there a way to print invoices without the dark header?",
        "There is: add ?print=1 to the invoice URL. We'll make it a button soon.",
        None,
        "closed",
        ["invoice", "feature-request"],
        1,
    ),
]
HTML_MAIL = """<html><body style="font-family:Arial">
<img src="https://tracker.example.com/open.gif?u=123" width="1" height="1" alt="">
<h1 style="color:#0a6">Spring update</h1>
<p>Hello from the <b>Northwind</b> team! Here's what's new this season:</p>
<ul><li>Faster exports</li><li>New dashboard widgets</li></ul>
<p><img src="https://images.example.com/banner.jpg" alt="Spring banner" width="600"></p>
<p><a href="https://example.com/unsubscribe">Unsubscribe</a></p>
</body></html>"""


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete existing conversations first (demo databases only).")
@with_appcontext
def demo(reset: bool) -> None:
    """Fill the database with demo data to try the app (users get password 'demo-password')."""

    if db.session.execute(db.select(Conversation.id).limit(1)).first() and not reset:
        raise click.ClickException(_("the database already has conversations; use a fresh one (or --reset)"))
    if reset:
        db.session.execute(db.delete(Conversation))
    seed(random.Random(7))
    db.session.commit()
    click.echo(
        _(
            "demo data ready: %(conversations)s conversations in %(mailboxes)s mailboxes",
            conversations=db.session.query(Conversation).count(),
            mailboxes=db.session.query(Mailbox).count(),
        )
    )
    for _name, email, role in PEOPLE:
        padded = role.ljust(5)
        click.echo(_("  %(role)s  %(email)s  password: %(password)s", role=padded, email=email, password=PASSWORD))


def seed(rng: random.Random) -> None:
    boxes = []
    for name, email in (("Support", "support@acme.test"), ("Billing", "billing@acme.test")):
        mb = db.session.execute(db.select(Mailbox).where(Mailbox.email == email)).scalar_one_or_none()
        if mb is None:
            mb = Mailbox(
                name=name,
                email=email,
                from_name=f"Acme {name}",
                imap_host="imap.acme.test",
                imap_port=993,
                imap_user=email,
                smtp_host="smtp.acme.test",
                smtp_port=587,
                smtp_user=email,
                signature=f"— The Acme {name} team",
            )
            db.session.add(mb)
        boxes.append(mb)
    users = []
    for name, email, role in PEOPLE:
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(name=name, email=email, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        users.append(user)
    db.session.flush()
    users[1].mailboxes = list(boxes)
    users[2].mailboxes = [boxes[0]]
    now = utcnow()
    numbers = convs.Numbers()
    for index, (subject, first, reply, note, status, tags, box) in enumerate(THREADS):
        cust_name = CUSTOMERS[index % len(CUSTOMERS)] if first else "Northwind Newsletter"
        email = cust_name.lower().replace("'", "").replace(" ", ".") + "@example.com"
        customer = customer_for(email, cust_name)
        start = now - timedelta(hours=index * 5 + rng.randint(0, 4), minutes=rng.randint(0, 59))
        conv = _new_conversation(numbers.take(), boxes[box], subject, customer, start)
        db.session.add(conv)
        db.session.flush()
        items = [
            ThreadItem(
                conversation_id=conv.id,
                type="customer",
                customer_id=customer.id,
                from_name=cust_name,
                from_email=email,
                to=[{"name": boxes[box].name, "email": boxes[box].email}],
                subject=subject,
                date=start,
                created_at=start,
                text=first or "Spring update from Northwind",
                new_text=first,
                html=None if first else HTML_MAIL,
                is_bulk=not first,
                message_id=f"demo-{index}@example.com",
            )
        ]
        last = start
        agent = users[rng.choice([0, 1, 2]) if box == 0 else rng.choice([0, 1])]
        if note:
            last += timedelta(minutes=rng.randint(5, 50))
            items.append(
                ThreadItem(
                    conversation_id=conv.id,
                    type="note",
                    author_id=agent.id,
                    source="web",
                    from_name=agent.name,
                    from_email=agent.email,
                    text=note,
                    new_text=note,
                    date=last,
                    created_at=last,
                )
            )
        if reply:
            last += timedelta(minutes=rng.randint(10, 120))
            text = f"Hi {customer.first_name},\n\n{reply}\n\nBest,\n{agent.first_name}"
            items.append(
                ThreadItem(
                    conversation_id=conv.id,
                    type="reply",
                    author_id=agent.id,
                    source="web",
                    from_name=agent.name,
                    from_email=boxes[box].email,
                    to=[{"name": cust_name, "email": email}],
                    subject=f"Re: {subject}",
                    text=text,
                    new_text=text,
                    date=last,
                    created_at=last,
                    send_status="sent",
                )
            )
            conv.first_response_at = last
        db.session.add_all(items)
        for tag in tags:
            conv.tags.append(convs.tag_for(tag))
        if status != "spam" and (reply or note or index % 3 == 0):
            conv.assignee = agent
        conv.status = status
        if status == "closed":
            conv.closed_at = last
        if status == "pending" and index % 2 == 0:
            conv.snoozed_until = now + timedelta(days=1 + index % 3, hours=9 - now.hour % 9)
        conv.preview = ((reply and f"{agent.first_name}: {reply}") or first or "Spring update")[:300]
        conv.last_activity_at = last
        conv.last_customer_at = start
        conv.last_read_at = last if (reply or index % 4 == 0) else None
        db.session.flush()


def _new_conversation(number, mailbox, subject, customer, start):  # noqa: N802  (a constructor with defaults)

    return Conversation(
        number=number,
        mailbox_id=mailbox.id,
        mailbox=mailbox,
        subject=subject,
        customer=customer,
        customer_id=customer.id,
        status="active",
        created_at=start,
        last_activity_at=start,
        source="email",
    )


def register(cli: click.Group) -> None:
    cli.add_command(demo)
