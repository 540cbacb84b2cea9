"""The firms index under the home page, and the moderation workflow for everything in it:
one task, "bureau approval", whose approvers are decided by market.permissions (the
housing bureau of the firm's district)."""

from django.db import migrations


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("cms.HomePage")
    FirmsIndexPage = apps.get_model("cms.FirmsIndexPage")
    BureauApprovalTask = apps.get_model("cms.BureauApprovalTask")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")

    home = HomePage.objects.first()
    if home is None:
        return
    index_type, _ = ContentType.objects.get_or_create(app_label="cms", model="firmsindexpage")
    index = FirmsIndexPage.objects.create(
        title="物业企业", draft_title="物业企业", slug="firms", content_type=index_type,
        path=home.path + "0001", depth=home.depth + 1, numchild=0,
        url_path=home.url_path + "firms/", locale_id=home.locale_id,
        intro="<p>经区住建委审核的物业服务企业。</p>",
    )
    home.numchild += 1
    home.save(update_fields=["numchild"])

    task_type, _ = ContentType.objects.get_or_create(app_label="cms", model="bureauapprovaltask")
    task = BureauApprovalTask.objects.create(name="区住建委审核", content_type=task_type,
                                             active=True)
    workflow = Workflow.objects.create(name="物业企业内容审核", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=index)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_firm_and_offer_pages"),
        ("wagtailcore", "0098_apitoken"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
