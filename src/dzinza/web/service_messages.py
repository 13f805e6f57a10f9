"""The services' messages that pages show most, marked for translation.

The services write their refusals in English (the JSON API's problem details). ``render``
says a page's error texts in the reader's language (``i18n.say``): a constant message through
the catalog, which these lines feed, and a message built with values from the template the
service marked with ``said`` where it raised it (decision 12).
"""

from __future__ import annotations

from dzinza.web.i18n import N_

ERROR_TITLES = (
    N_("Bad request"),
    N_("Invalid data"),
    N_("Not found"),
    N_("Conflict"),
    N_("Gone"),
    N_("Precondition failed"),
    N_("Authentication required"),
    N_("Forbidden"),
    N_("Service unavailable"),
    N_("Too many requests"),
    N_("Too large"),
    N_("Unsupported media type"),
)

SERVICE_DETAILS = (
    N_("Wrong email or password."),
    N_("Wrong code."),
    N_("Wrong password or code."),
    N_("The password is wrong."),
    N_("The current password is wrong."),
    N_("Sign in first."),
    N_("Sign in to create a tree."),
    N_("This account no longer exists."),
    N_("This is already your email address."),
    N_("Your email address is already confirmed."),
    N_("Two-factor sign-in is already on."),
    N_("Two-factor sign-in is not on."),
    N_("Two-factor sign-in is already on: turn it off first to reset it."),
    N_("You are not a member of this tree."),
    N_("Only the members of this tree can see who its members are."),
    N_("Sign in as a member of this tree to see its members."),
    N_("Only the owner can change another manager."),
    N_("Only the owner can invite a manager."),
    N_("Only the owner can make someone a manager."),
    N_("Only the owner can remove a manager."),
    N_("This account already owns the tree."),
    N_("This invitation has just been used."),
    N_("This invitation was withdrawn: ask the tree's managers for a new one."),
    N_("A name needs at least one part (given, surname, nickname...)."),
    N_("A person cannot be their own relative."),
    N_("A person cannot be both a partner and a child in the same family."),
    N_("A partner joins the person in a new family."),
    N_("Give either an existing person or a new one, not both."),
    N_("That family is not one of this person's parent families."),
    N_("That person is not a child of this family."),
    N_("This person is already a child of this family."),
    N_("This person is already a parent in that family."),
    N_("This person is not a partner in that family."),
    N_("A place cannot be inside itself."),
    N_("A primary photo must be a photo."),
    N_("People can be tagged on photos only."),
    N_("The uploaded file is no longer there: upload it again."),
    N_("This file cannot be imported: the file is empty."),
    N_("Give the first letters of a name."),
    N_("One of these people has been deleted since the pair was found."),
    N_("The tree of this job no longer exists."),
    N_("There is nothing at this address."),
)
