from django.core.management.base import BaseCommand, CommandError

from core.roles import setup_roles


class Command(BaseCommand):
    help = (
        "Create or reset the staff roles (auditors, ministry clerks, heads of commission) "
        "to their least-privilege permissions. Run after migrate; safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            groups = setup_roles()
        except LookupError as error:
            raise CommandError(str(error)) from None
        for name, group in groups.items():
            self.stdout.write(f"  {name}: {group.permissions.count()} permissions")
        self.stdout.write(self.style.SUCCESS("Staff roles are set up."))
